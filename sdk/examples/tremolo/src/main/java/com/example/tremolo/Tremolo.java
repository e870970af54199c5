/*
 * SPDX-License-Identifier: Apache-2.0
 */
package com.example.tremolo;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.dsp.LinearRamp;

/**
 * Tremolo: the level swings with a sine LFO, {@code gain = 1 - depth * (1 - cos(phase)) / 2}, so
 * depth 0 passes the signal through and depth 1 swings between full level and silence.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=tremolo")
public final class Tremolo extends AbstractEffect {

    private double sampleRate;
    private double phase;
    private final LinearRamp depth = new LinearRamp();
    private final LinearRamp rate = new LinearRamp();

    public Tremolo() {
        super(new EffectDescriptor("tremolo", "Tremolo", "Example Inc.", "1.0.0", List.of(
                ParameterDescriptor.continuous("rateHz", "Rate", "Hz", 0.5, 20, 5, ParameterDescriptor.Scale.LOG),
                ParameterDescriptor.continuous("depth", "Depth", "", 0, 1, 0.5, ParameterDescriptor.Scale.LINEAR))));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        this.sampleRate = sampleRate;
        depth.setRampTime(0.02, sampleRate); // 20 ms: no zipper noise when the depth jumps
        rate.setRampTime(0.02, sampleRate);
        onReset();
    }

    @Override
    protected void onReset() {
        phase = 0;
        depth.jumpTo(parameter(1));
        rate.jumpTo(parameter(0));
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        depth.setTarget(parameter(1));
        rate.setTarget(parameter(0));
        for (int i = 0; i < frames; i++) {
            double g = 1 - depth.next() * (1 - Math.cos(phase)) / 2;
            phase += 2 * Math.PI * rate.next() / sampleRate;
            if (phase > 2 * Math.PI) {
                phase -= 2 * Math.PI;
            }
            for (int c = 0; c < channels(); c++) {
                float y = (float) (in[c][i] * g);
                out[c][i] = Math.abs(y) < 1e-30f ? 0f : y; // never a subnormal
            }
        }
    }
}
