/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.guard;

import java.lang.StackWalker.StackFrame;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.vocana.host.report.Reports;

/**
 * What a bundle's calls to {@code System.exit(int)}, {@code Runtime.exit(int)} and
 * {@code Runtime.halt(int)} become: the host's weaving hook rewrites each such call, when the
 * bundle's class is loaded, into a call of the method here with the same arguments
 * ({@code Runtime} receiver first), which throws {@link ExitRefusedException} instead of ending the
 * process. Each is reported once per bundle in one line on stderr, by a reporter thread (so a call
 * on the audio thread does no I/O there).
 */
public final class ExitGuard {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final ConcurrentLinkedQueue<Report> QUEUE = new ConcurrentLinkedQueue<>();
    private static volatile Thread reporter;

    private record Report(String subject, String line) {
    }

    private ExitGuard() {
    }

    /** Replaces {@code System.exit(status)}. */
    public static void systemExit(int status) {
        throw refuse("System.exit", status);
    }

    /** Replaces {@code runtime.exit(status)}. */
    public static void runtimeExit(Runtime runtime, int status) {
        Objects.requireNonNull(runtime);
        throw refuse("Runtime.exit", status);
    }

    /** Replaces {@code runtime.halt(status)}. */
    public static void runtimeHalt(Runtime runtime, int status) {
        Objects.requireNonNull(runtime);
        throw refuse("Runtime.halt", status);
    }

    private static ExitRefusedException refuse(String call, int status) {
        Optional<StackFrame> frame = WALKER.walk(s -> s.filter(f -> f.getDeclaringClass() != ExitGuard.class).findFirst());
        Class<?> caller = frame.map(StackFrame::getDeclaringClass).orElse(null);
        Bundle bundle = caller == null ? null : FrameworkUtil.getBundle(caller);
        String who = bundle == null ? "code outside any bundle" : "bundle '" + bundle.getSymbolicName() + "'";
        String where = frame.map(f -> f.getClassName() + "." + f.getMethodName()).orElse("unknown code");
        ExitRefusedException e = new ExitRefusedException(call + "(" + status + ") called by " + who + " in " + where
                + ": refused, a bundle cannot end the Vocana host");
        java.nio.file.Path path = bundle == null ? null : Reports.file(bundle.getLocation());
        String file = path == null ? null : path.toString();
        String subject = bundle == null ? "exit" : "bundle:" + (file == null ? bundle.getLocation() : file);
        QUEUE.add(new Report(subject, (bundle == null ? "" : (file == null ? bundle.getLocation() : file) + ": ")
                + who + " called " + call + "(" + status + ") in " + where + ": refused, a bundle cannot end the host"
                + " (the call threw " + ExitRefusedException.class.getSimpleName() + ")"));
        Thread t = reporter;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return e;
    }

    /** Starts the thread that prints the reports (the host's activator). */
    public static synchronized void startReporter() {
        if (reporter != null) {
            return;
        }
        reporter = Thread.ofPlatform().daemon().name("vocana-exit-guard").start(() -> {
            while (reporter == Thread.currentThread()) {
                Report r;
                while ((r = QUEUE.poll()) != null) {
                    Reports.first(r.subject(), r.line());
                }
                LockSupport.parkNanos(200_000_000L);
            }
        });
    }

    /** Prints what is queued and stops the reporter thread. */
    public static synchronized void stopReporter() {
        Thread t = reporter;
        reporter = null;
        if (t != null) {
            LockSupport.unpark(t);
        }
        Report r;
        while ((r = QUEUE.poll()) != null) {
            Reports.first(r.subject(), r.line());
        }
    }
}
