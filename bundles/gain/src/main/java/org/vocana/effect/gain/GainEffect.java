/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.gain;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.ParameterDescriptor.Scale;
import org.vocana.sdk.dsp.Decibels;
import org.vocana.sdk.dsp.LinearRamp;

/**
 * Gain and mute. The linear gain factor is ramped over {@value #RAMP_MS} ms on every change,
 * so neither a gain change nor mute/unmute clicks; once the ramp ends the factor is exact.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=" + GainEffect.ID)
public final class GainEffect extends AbstractEffect {

    public static final String ID = "gain";
    public static final int GAIN_DB = 0;
    public static final int MUTE = 1;
    static final double RAMP_MS = 20;

    private static final EffectDescriptor DESCRIPTOR = new EffectDescriptor(ID, "Gain", "Vocana", "1.0.0", List.of(
            ParameterDescriptor.continuous("gainDb", "Gain", "dB", -60, 24, 0, Scale.LINEAR),
            ParameterDescriptor.toggle("mute", "Mute", false)));

    private final LinearRamp gain = new LinearRamp();
    private double lastDb = Double.NaN;
    private boolean lastMute;
    private double lastFactor;

    public GainEffect() {
        super(DESCRIPTOR);
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        gain.setRampTime(RAMP_MS / 1000.0, sampleRate);
    }

    @Override
    protected void onReset() {
        gain.jumpTo(targetFactor());
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        gain.setTarget(targetFactor());
        int channels = channels();
        if (!gain.isRamping()) {
            float g = (float) gain.current();
            for (int c = 0; c < channels; c++) {
                float[] x = in[c];
                float[] y = out[c];
                for (int i = 0; i < frames; i++) {
                    float v = x[i] * g;
                    y[i] = Math.abs(v) < Float.MIN_NORMAL ? 0f : v; // a gain below 1 must not make subnormals
                }
            }
            return;
        }
        for (int i = 0; i < frames; i++) {
            float g = (float) gain.next();
            for (int c = 0; c < channels; c++) {
                float v = in[c][i] * g;
                out[c][i] = Math.abs(v) < Float.MIN_NORMAL ? 0f : v;
            }
        }
    }

    /** The linear factor for the current targets; recomputed (one pow) only when they change. */
    private double targetFactor() {
        double db = parameter(GAIN_DB);
        boolean mute = parameter(MUTE) != 0;
        if (db != lastDb || mute != lastMute) {
            lastDb = db;
            lastMute = mute;
            lastFactor = mute ? 0.0 : Decibels.toGain(db);
        }
        return lastFactor;
    }
}
