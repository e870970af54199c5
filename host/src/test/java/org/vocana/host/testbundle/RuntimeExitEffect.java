/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Passes audio through on control threads (warm-up); on the audio thread its process does
 * {@code Runtime.getRuntime().exit(52);} (for the tests that a bundle cannot end the host).
 */
public final class RuntimeExitEffect extends AbstractEffect {

    public RuntimeExitEffect() {
        super(new EffectDescriptor("test-runtime-exit", "RuntimeExit (test)", "Vocana tests", "1.0.0", List.of()));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
    }

    @Override
    protected void onReset() {
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        if (Thread.currentThread().getName().startsWith("vocana-audio-")) {
            Runtime.getRuntime().exit(52);
        }
        for (int c = 0; c < channels(); c++) {
            System.arraycopy(in[c], 0, out[c], 0, frames);
        }
    }
}
