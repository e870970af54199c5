/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

/**
 * An effect the host will not run as it is, e.g. one that reports an impossible latency. The
 * message is one line naming the effect and saying what is accepted.
 */
public final class EffectRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final EffectLabel label;
    private final String reason;

    EffectRefusedException(EffectLabel label, String reason) {
        super(label + " " + reason);
        this.label = label;
        this.reason = reason;
    }

    /** The effect refused. */
    public EffectLabel label() {
        return label;
    }

    /** Why, without the effect's name: {@code reports a latency of -5 frames; accepted 0..480000 (10 s)}. */
    public String reason() {
        return reason;
    }
}
