/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The dev set's noises, generated from fixed seeds so that every run scores the same samples.
 * Babble is recorded speech (the dev set's {@code babble.wav}); the others are synthesised here.
 */
public final class Noises {

    /** Noise types, in the order the report lists them. */
    public static final List<String> TYPES = List.of("white", "pink", "brown", "hum", "fan", "keyboard", "babble");

    private Noises() {
    }

    /** Checks a noise name; the message lists the accepted ones. */
    public static String check(String type) {
        String t = type.strip().toLowerCase(Locale.ROOT);
        if (!TYPES.contains(t)) {
            throw new IllegalArgumentException("unknown noise '" + type + "'; accepted: " + String.join(", ", TYPES));
        }
        return t;
    }

    /**
     * {@code frames} samples of noise {@code type} at {@code sampleRate}, RMS 1, the same for the same
     * arguments. {@code babble} loops the recording from an offset chosen by {@code seed}.
     */
    public static float[] generate(String type, long seed, int frames, double sampleRate, float[] babble) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + type.hashCode());
        float[] x = switch (check(type)) {
            case "white" -> white(random, frames);
            case "pink" -> pink(random, frames);
            case "brown" -> brown(random, frames);
            case "hum" -> hum(random, frames, sampleRate);
            case "fan" -> fan(random, frames, sampleRate);
            case "keyboard" -> keyboard(random, frames, sampleRate);
            case "babble" -> babble(random, frames, babble);
            default -> throw new AssertionError(type);
        };
        return normalize(x);
    }

    static double rms(float[] x, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += (double) x[i] * x[i];
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    private static float[] normalize(float[] x) {
        double r = rms(x, 0, x.length);
        if (r == 0) {
            throw new IllegalStateException("generated silence");
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] / r);
        }
        return x;
    }

    private static float[] white(SplittableRandom random, int frames) {
        float[] x = new float[frames];
        for (int i = 0; i < frames; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** -3 dB per octave: Paul Kellet's weighted sum of first-order lowpass filters. */
    private static float[] pink(SplittableRandom random, int frames) {
        float[] x = new float[frames];
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        for (int i = 0; i < frames; i++) {
            double w = random.nextGaussian();
            b0 = 0.99886 * b0 + w * 0.0555179;
            b1 = 0.99332 * b1 + w * 0.0750759;
            b2 = 0.96900 * b2 + w * 0.1538520;
            b3 = 0.86650 * b3 + w * 0.3104856;
            b4 = 0.55000 * b4 + w * 0.5329522;
            b5 = -0.7616 * b5 - w * 0.0168980;
            x[i] = (float) (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362);
            b6 = w * 0.115926;
        }
        return x;
    }

    /** -6 dB per octave above a few hertz: leaky integration of white noise. */
    private static float[] brown(SplittableRandom random, int frames) {
        float[] x = new float[frames];
        double y = 0;
        for (int i = 0; i < frames; i++) {
            y = 0.999 * y + random.nextGaussian();
            x[i] = (float) y;
        }
        return x;
    }

    /** Mains hum: 50 Hz and its harmonics to 1 kHz (odd ones stronger, as from rectifiers), a faint hiss. */
    private static float[] hum(SplittableRandom random, int frames, double sampleRate) {
        float[] x = new float[frames];
        double[] phase = new double[20];
        for (int h = 0; h < phase.length; h++) {
            phase[h] = random.nextDouble(2 * Math.PI);
        }
        for (int i = 0; i < frames; i++) {
            double t = i / sampleRate;
            double v = 0;
            for (int h = 1; h <= phase.length; h++) {
                double a = (h % 2 == 1 ? 1.0 : 0.4) / h;
                v += a * Math.sin(2 * Math.PI * 50 * h * t + phase[h - 1]);
            }
            x[i] = (float) (v + 0.003 * random.nextGaussian());
        }
        return x;
    }

    /** Fan: low-passed pink noise swelling slowly, plus the blade-pass tone (90 Hz) and its harmonic. */
    private static float[] fan(SplittableRandom random, int frames, double sampleRate) {
        float[] x = pink(random, frames);
        double a = Math.exp(-2 * Math.PI * 1500 / sampleRate);
        double y = 0;
        double swell = random.nextDouble(2 * Math.PI);
        for (int i = 0; i < frames; i++) {
            double t = i / sampleRate;
            y = a * y + (1 - a) * x[i];
            double am = 1 + 0.15 * Math.sin(2 * Math.PI * 0.4 * t + swell);
            double tone = 0.6 * Math.sin(2 * Math.PI * 90 * t) + 0.25 * Math.sin(2 * Math.PI * 180 * t + 1);
            x[i] = (float) (am * (4 * y + 0.1 * tone));
        }
        return x;
    }

    /** Typing: key presses at about 7 per second (Poisson), each a press and a release click, over a faint hiss. */
    private static float[] keyboard(SplittableRandom random, int frames, double sampleRate) {
        float[] x = new float[frames];
        for (int i = 0; i < frames; i++) {
            x[i] = (float) (0.002 * random.nextGaussian());
        }
        double rate = 7;
        double t = -Math.log(1 - random.nextDouble()) / rate;
        while (t * sampleRate < frames) {
            int press = (int) (t * sampleRate);
            click(random, x, press, 0.5 + 0.5 * random.nextDouble(), sampleRate);
            int release = press + (int) ((0.06 + 0.06 * random.nextDouble()) * sampleRate);
            click(random, x, release, 0.2 + 0.3 * random.nextDouble(), sampleRate);
            t += -Math.log(1 - random.nextDouble()) / rate;
        }
        return x;
    }

    /** A click: a high-passed noise burst decaying with a 2 ms time constant, 15 ms long. */
    private static void click(SplittableRandom random, float[] x, int at, double amplitude, double sampleRate) {
        int length = (int) (0.015 * sampleRate);
        double decay = Math.exp(-1 / (0.002 * sampleRate));
        double envelope = amplitude;
        double previous = 0;
        for (int i = 0; i < length && at + i < x.length; i++) {
            double w = random.nextGaussian();
            x[at + i] += (float) (envelope * (w - previous));
            previous = w;
            envelope *= decay;
        }
    }

    private static float[] babble(SplittableRandom random, int frames, float[] babble) {
        if (babble == null || babble.length == 0) {
            throw new IllegalArgumentException("babble noise needs the dev set's babble.wav");
        }
        float[] x = new float[frames];
        // a stretch of the recording without a seam when it is long enough, else it loops
        int offset = frames <= babble.length ? random.nextInt(babble.length - frames + 1) : random.nextInt(babble.length);
        for (int i = 0; i < frames; i++) {
            x[i] = babble[(offset + i) % babble.length];
        }
        return x;
    }
}
