/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns fault reports into one line each, for people: who (effect id, version, position in the
 * configured chain), why, and for an exception its class, message and top frames. Thread: control
 * thread (this allocates).
 */
public final class FaultReports {

    /** Frames of an exception's stack shown in a report. */
    public static final int FRAMES = 3;
    /** Longest message kept from an exception (a longer one is cut, marked with "..."). */
    static final int MESSAGE_MAX = 200;

    private FaultReports() {
    }

    /** What happened, without the consequence: {@code threw java.lang.IllegalStateException: boom at ...}. */
    public static String reason(FaultLog.Fault f) {
        return switch (f.reason()) {
            case THREW -> "threw " + (f.error() == null ? "an exception" : describe(f.error()));
            case NON_FINITE -> "output NaN or infinity";
            case TOO_SLOW -> "exceeded its time budget on consecutive blocks";
        };
    }

    /**
     * A whole report: {@code effect 'x' 1.0.0 (position 2) threw ...; fault 1 of 3, bypassed, reset
     * and faded back in after 1 s}.
     *
     * @param maxFaults faults after which the effect stays disabled
     * @param cooldownSeconds how long a faulted effect is bypassed before it is faded back in
     */
    public static String line(FaultLog.Fault f, int maxFaults, double cooldownSeconds) {
        return f.label() + " " + reason(f) + "; fault " + f.count() + " of " + maxFaults
                + (f.disabled() ? ", disabled until re-enabled (vocana enable)"
                : ", bypassed, reset and faded back in after " + seconds(cooldownSeconds));
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? (long) s + " s" : s + " s";
    }

    /**
     * An exception in one line: class, message (one line, at most {@value #MESSAGE_MAX}
     * characters), its top {@value #FRAMES} frames outside the JDK's internals, and its cause's
     * class and message.
     */
    public static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.getClass().getName());
        String message = oneLine(t.getMessage());
        if (message != null) {
            sb.append(": ").append(message);
        }
        StackTraceElement[] stack = t.getStackTrace();
        if (stack.length == 0) {
            sb.append(" (no stack trace: the JVM reuses this exception, or it was made without one)");
        } else {
            // the JDK's own plumbing (an InternalError from a memory access starts deep in it) says little:
            // the top frames outside it
            List<String> frames = new ArrayList<>();
            int shown = 0;
            for (int i = 0; i < stack.length && frames.size() < FRAMES; i++) {
                if (!plumbing(stack[i]) || (i == stack.length - 1 && frames.isEmpty())) {
                    frames.add(stack[i].toString());
                    shown = i + 1;
                }
            }
            if (frames.isEmpty()) {
                frames.add(stack[0].toString());
                shown = 1;
            }
            sb.append(" at ").append(String.join(" < ", frames));
            if (stack.length > shown) {
                sb.append(" < ...");
            }
        }
        Throwable cause = t.getCause();
        if (cause != null && cause != t) {
            String m = oneLine(cause.getMessage());
            sb.append("; caused by ").append(cause.getClass().getName()).append(m == null ? "" : ": " + m);
        }
        return sb.toString();
    }

    private static boolean plumbing(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("jdk.internal.") || c.startsWith("java.lang.invoke.") || c.startsWith("sun.");
    }

    private static String oneLine(String s) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= MESSAGE_MAX ? one : one.substring(0, MESSAGE_MAX) + "...";
    }
}
