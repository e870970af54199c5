/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

/**
 * A call into an effect's code on a control thread that did not return within the limit: the
 * thread running it was abandoned (see {@link EffectCalls}). The message is one line naming the
 * effect, the phase and what became of the thread.
 */
public final class EffectStuckException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String effectId;
    private final String version;
    private final int position;
    private final String phase;
    private final long stalledNanos;

    EffectStuckException(String effectId, String version, int position, String phase, long stalledNanos,
                         String thread, String demotion) {
        super((effectId == null ? "effect code" : "effect '" + effectId + "' " + version
                + (position > 0 ? " (position " + position + ")" : "")) + " stuck in " + (phase == null ? "a call" : phase)
                + " for " + stalledNanos / 1_000_000 + " ms: abandoned its thread " + thread + " (" + demotion + ")");
        this.effectId = effectId;
        this.version = version;
        this.position = position;
        this.phase = phase;
        this.stalledNanos = stalledNanos;
    }

    /** The stuck effect's id, or null if the hang was outside a marked call. */
    public String effectId() {
        return effectId;
    }

    public String version() {
        return version;
    }

    /** Its position in the configured chain (1-based), or 0 if unknown. */
    public int position() {
        return position;
    }

    /** What it was doing: "activate", "warm-up", "deactivate", ... */
    public String phase() {
        return phase;
    }

    public long stalledNanos() {
        return stalledNanos;
    }
}
