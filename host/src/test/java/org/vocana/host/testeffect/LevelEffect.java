/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Two versions of one effect, {@code test-level}, for the update tests: {@link A} halves the
 * signal (-6.02 dB), {@link B} quarters it (-12.04 dB), so the level of the recording tells which
 * code runs.
 */
public abstract class LevelEffect extends AbstractEffect {

    private final float gain;

    LevelEffect(String version, float gain) {
        super(new EffectDescriptor("test-level", "Level (test)", "Vocana tests", version, List.of()));
        this.gain = gain;
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
                out[c][i] = Math.abs(x) < 4 * Float.MIN_NORMAL ? 0f : x * gain;
            }
        }
    }

    /** Version 1.0.0: x 0.5. */
    public static final class A extends LevelEffect {
        public A() {
            super("1.0.0", 0.5f);
        }
    }

    /** Version 2.0.0: x 0.25. */
    public static final class B extends LevelEffect {
        public B() {
            super("2.0.0", 0.25f);
        }
    }
}
