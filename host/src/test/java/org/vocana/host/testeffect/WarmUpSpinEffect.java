/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/**
 * Loops forever once it has processed 2 s of audio since its activation, as the effect of issue
 * 17 does: the host's warm-up (3000 blocks, 8 s of audio at 128 frames and 48 kHz) runs into it on
 * the control side. A test in the same JVM lets it return with {@link #release}.
 */
public final class WarmUpSpinEffect extends Misbehaving {

    /** Lets a spinning call return (a test in the same JVM sets it at its end). */
    public static volatile boolean release;

    private long frames;

    public WarmUpSpinEffect() {
        super("test-spin-warm", "Spin in warm-up (test)");
    }

    @Override
    protected void misbehave(float[][] out, int n) {
        frames += n;
        if (frames > 2 * sampleRate()) {
            while (!release) {
                Thread.onSpinWait();
            }
        }
    }
}
