/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Base of the misbehaving test effects: passes audio through and counts the frames and the time
 * since it was last reset (activation, the end of the host's warm-up, a fade back in after a
 * fault) or activated, so that each can start misbehaving at a chosen moment.
 */
abstract class Misbehaving extends AbstractEffect {

    /** Frames processed since the last reset. */
    protected long framesSinceReset;
    /** System.nanoTime at activation. */
    protected long activatedAt;

    Misbehaving(String id, String name) {
        super(new EffectDescriptor(id, name, "Vocana tests", "1.0.0", List.of()));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        activatedAt = System.nanoTime();
    }

    @Override
    protected void onReset() {
        framesSinceReset = 0;
    }

    /** Seconds of audio processed since the last reset, this block included. */
    protected final double secondsSinceReset() {
        return framesSinceReset / sampleRate();
    }

    /** Wall-clock seconds since activation. */
    protected final double secondsSinceActivation() {
        return (System.nanoTime() - activatedAt) / 1e9;
    }

    @Override
    protected final void render(float[][] in, float[][] out, int frames) {
        framesSinceReset += frames;
        for (int c = 0; c < channels(); c++) {
            System.arraycopy(in[c], 0, out[c], 0, frames);
        }
        misbehave(out, frames);
    }

    /** Called after the block was copied to {@code out}. */
    protected abstract void misbehave(float[][] out, int frames);

    /** Spins until {@code nanos} have passed. */
    static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }
}
