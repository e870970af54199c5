/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Halves the signal (-6.02 dB). Packed at test time into a bundle of its own
 * ({@code HotLoadIT}) to be dropped into and removed from a running host's {@code load/}.
 */
public final class HalfEffect extends AbstractEffect {

    public HalfEffect() {
        super(new EffectDescriptor("test-half", "Half (test)", "Vocana tests", "1.0.0", List.of()));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
    }

    @Override
    protected void onReset() {
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        for (int c = 0; c < channels(); c++) {
            for (int i = 0; i < frames; i++) {
                float x = in[c][i];
                // never compute a subnormal (slow on the CPU, and no one can hear it)
                out[c][i] = Math.abs(x) < 2 * Float.MIN_NORMAL ? 0f : x * 0.5f;
            }
        }
    }
}
