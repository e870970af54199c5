/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Passes audio through; while {@link #spin} is set and {@link #release} is not, it spins on the
 * audio thread (a stuck effect for the watchdog and scheduling tests and the stuck-thread bench).
 * The switches are static: a test sets them with {@link #switchOff} first and releases the thread at
 * its end.
 */
public final class SpinningEffect extends AbstractEffect {

    /** Spin in {@code render} from now on (until {@link #release}). */
    public static volatile boolean spin;
    /** Let a spinning {@code render} return (and every later one pass audio). */
    public static volatile boolean release;

    public SpinningEffect() {
        super(new EffectDescriptor("spin", "Spin (test)", "Vocana tests", "1.0.0", List.of()));
    }

    /** Both switches off: the effect passes audio. */
    public static void switchOff() {
        spin = false;
        release = false;
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
    }

    @Override
    protected void onReset() {
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        while (spin && !release) {
            Thread.onSpinWait();
        }
        for (int c = 0; c < channels(); c++) {
            System.arraycopy(in[c], 0, out[c], 0, frames);
        }
    }
}
