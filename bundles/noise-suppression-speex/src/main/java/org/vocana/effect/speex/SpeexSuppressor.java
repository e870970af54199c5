/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.speex;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;

/**
 * speexdsp's preprocessor (noise suppression only) through Panama FFM: 10 ms frames (480 at
 * 48 kHz), one preprocessor state per channel, {@code strengthDb} as its maximum attenuation
 * (speex's usual setting is 30 dB). Latency: two frames (20 ms): one of buffering here, one inside
 * speexdsp (found by the test kit's impulse check). Without libspeexdsp the effect
 * still installs and lists; activating it fails with a message saying how to install the library.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=denoise-speex")
public final class SpeexSuppressor extends AbstractEffect {

    static final int STRENGTH = 0;

    private SpeexLibrary lib;
    private Arena arena;
    private int frame;
    private int pos;
    private int appliedStrength;
    private MemorySegment[] states;
    private MemorySegment[] pcm;
    private MemorySegment intArg;
    private float[][] inBuf;
    private float[][] outBuf;
    private double rate;

    public SpeexSuppressor() {
        super(new EffectDescriptor("denoise-speex", "Noise suppression (speexdsp)", "Vocana", "1.0.0", List.of(
                ParameterDescriptor.continuous("strengthDb", "Strength", "dB", 0, 40, 30,
                        ParameterDescriptor.Scale.LINEAR))));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        lib = SpeexLibrary.get();
        rate = sampleRate;
        frame = (int) Math.round(sampleRate / 100);
        arena = Arena.ofShared();
        states = new MemorySegment[channels];
        pcm = new MemorySegment[channels];
        for (int c = 0; c < channels; c++) {
            pcm[c] = arena.allocate(ValueLayout.JAVA_SHORT, frame);
        }
        intArg = arena.allocate(ValueLayout.JAVA_INT);
        inBuf = new float[channels][frame];
        outBuf = new float[channels][frame];
        createStates();
    }

    private void createStates() {
        try {
            for (int c = 0; c < states.length; c++) {
                states[c] = (MemorySegment) lib.init.invokeExact(frame, (int) rate);
                if (states[c].equals(MemorySegment.NULL)) {
                    throw new IllegalStateException("speexdsp could not create a preprocessor for " + frame
                            + "-sample frames at " + (int) rate + " Hz");
                }
            }
            applyStrength();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void destroyStates() {
        for (int c = 0; c < states.length; c++) {
            if (states[c] != null) {
                try {
                    lib.destroy.invokeExact(states[c]);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                states[c] = null;
            }
        }
    }

    private void applyStrength() {
        appliedStrength = (int) Math.round(parameter(STRENGTH));
        intArg.set(ValueLayout.JAVA_INT, 0, -appliedStrength);
        try {
            for (MemorySegment st : states) {
                int unused = (int) lib.ctl.invokeExact(st, SpeexLibrary.SET_NOISE_SUPPRESS, intArg);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    protected void onDeactivate() {
        destroyStates();
        arena.close();
    }

    /** Starts from fresh preprocessor states (speexdsp has no reset: this re-creates them natively). */
    @Override
    protected void onReset() {
        destroyStates();
        createStates();
        for (int c = 0; c < inBuf.length; c++) {
            Arrays.fill(inBuf[c], 0f);
            Arrays.fill(outBuf[c], 0f);
        }
        pos = 0;
    }

    /** One frame of buffering here plus one inside speexdsp (its analysis overlaps the next frame): 20 ms. */
    @Override
    public int latencyFrames() {
        return 2 * frame;
    }

    @Override
    public int tailFrames() {
        return 2 * frame;
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        if ((int) Math.round(parameter(STRENGTH)) != appliedStrength) {
            applyStrength();
        }
        int channels = channels();
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) {
                float x = in[c][i];
                out[c][i] = outBuf[c][pos];
                inBuf[c][pos] = x;
            }
            if (++pos == frame) {
                pos = 0;
                runFrame(channels);
            }
        }
    }

    private void runFrame(int channels) {
        try {
            for (int c = 0; c < channels; c++) {
                MemorySegment p = pcm[c];
                float[] src = inBuf[c];
                for (int i = 0; i < frame; i++) {
                    float v = src[i] * 32768f;
                    short s = v >= 32767f ? Short.MAX_VALUE : v <= -32768f ? Short.MIN_VALUE : (short) Math.round(v);
                    p.setAtIndex(ValueLayout.JAVA_SHORT, i, s);
                }
                int unused = (int) lib.run.invokeExact(states[c], p);
                float[] dst = outBuf[c];
                for (int i = 0; i < frame; i++) {
                    dst[i] = p.getAtIndex(ValueLayout.JAVA_SHORT, i) / 32768f;
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("speexdsp failed: " + t);
        }
    }
}
