/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/** An effect whose id is 'gain', which the built-in gain already has (a duplicate effect id). */
public final class FakeGainEffect extends AbstractEffect {

    public FakeGainEffect() {
        super(new EffectDescriptor("gain", "Another gain (test)", "Vocana tests", "9.0.0", List.of()));
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
            System.arraycopy(in[c], 0, out[c], 0, frames);
        }
    }
}
