/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

/**
 * How a chain treats a misbehaving effect.
 *
 * @param maxFaults after this many faults the effect stays bypassed until re-enabled
 * @param cooldownFrames how long a faulted effect is bypassed before it is reset and faded back in
 * @param fadeFrames length of the fades into and out of bypass
 * @param budgetNanos time one effect may take for one block; {@link Long#MAX_VALUE} disables the check
 *     (offline rendering)
 * @param slowBlocks how many consecutive blocks over budget count as one fault
 */
public record FaultPolicy(int maxFaults, int cooldownFrames, int fadeFrames, long budgetNanos, int slowBlocks) {

    public FaultPolicy {
        if (maxFaults < 1 || cooldownFrames < 0 || fadeFrames < 1 || budgetNanos < 1 || slowBlocks < 1) {
            throw new IllegalArgumentException("fault policy out of range: " + maxFaults + ", " + cooldownFrames
                    + ", " + fadeFrames + ", " + budgetNanos + ", " + slowBlocks);
        }
    }

    /** For offline rendering: no time budget; three faults, 1 s cool-down, 10 ms fades. */
    public static FaultPolicy offline(double sampleRate) {
        return new FaultPolicy(3, (int) sampleRate, Math.max(1, (int) (sampleRate / 100)), Long.MAX_VALUE, 8);
    }

    /**
     * For real time: an effect may use {@code budgetFraction} of the block period; eight
     * consecutive late blocks are one fault.
     */
    public static FaultPolicy realTime(double sampleRate, int blockFrames, double budgetFraction) {
        long period = (long) (1e9 * blockFrames / sampleRate);
        return new FaultPolicy(3, (int) sampleRate, Math.max(1, (int) (sampleRate / 100)),
                Math.max(1, (long) (period * budgetFraction)), 8);
    }
}
