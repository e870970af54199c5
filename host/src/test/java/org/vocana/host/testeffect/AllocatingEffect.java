/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/** Copies every block into a new array: breaks the real-time rules, for {@code vocana validate} to catch. */
public final class AllocatingEffect extends AbstractEffect {

    public AllocatingEffect() {
        super(new EffectDescriptor("test-alloc", "Allocating (test)", "Vocana tests", "1.0.0", List.of()));
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
            float[] copy = java.util.Arrays.copyOf(in[c], frames);
            System.arraycopy(copy, 0, out[c], 0, frames);
        }
    }
}
