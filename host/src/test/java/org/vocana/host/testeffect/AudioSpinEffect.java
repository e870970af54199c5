/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/**
 * Passes audio through, then from 2 s after its activation on never returns from {@code process}
 * (it spins on the audio thread): the out-of-process counterpart of {@link SpinningEffect}, whose
 * switches only a test in the same JVM can flip. The host's warm-up is over by then.
 */
public final class AudioSpinEffect extends Misbehaving {

    /** Lets a spinning call return (a test in the same JVM sets it at its end). */
    public static volatile boolean release;

    public AudioSpinEffect() {
        super("test-spin-audio", "Spin on the audio thread (test)");
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
        if (secondsSinceActivation() > 2) {
            while (!release) {
                Thread.onSpinWait();
            }
        }
    }
}
