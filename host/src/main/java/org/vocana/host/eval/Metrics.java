/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

/** Sample-domain quality metrics of an estimate against its clean reference (same length, aligned). */
public final class Metrics {

    /** Loizou's segmental SNR limits, in dB. */
    public static final double SEG_SNR_MIN = -10;
    public static final double SEG_SNR_MAX = 35;

    private static final double EPS = 2.220446049250313e-16; // MATLAB's eps, as in Loizou's code

    private Metrics() {
    }

    /**
     * Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., 2019): both signals
     * zero-mean, the reference scaled to its projection on the estimate's, the rest is distortion.
     */
    public static double siSdr(float[] reference, float[] estimate) {
        checkLengths(reference, estimate);
        int n = reference.length;
        double meanR = 0;
        double meanE = 0;
        for (int i = 0; i < n; i++) {
            meanR += reference[i];
            meanE += estimate[i];
        }
        meanR /= n;
        meanE /= n;
        double dot = 0;
        double energyR = 0;
        for (int i = 0; i < n; i++) {
            double r = reference[i] - meanR;
            dot += r * (estimate[i] - meanE);
            energyR += r * r;
        }
        if (energyR == 0) {
            throw new IllegalArgumentException("SI-SDR of a silent reference is undefined");
        }
        double alpha = dot / energyR;
        double target = 0;
        double distortion = 0;
        for (int i = 0; i < n; i++) {
            double t = alpha * (reference[i] - meanR);
            double e = (estimate[i] - meanE) - t;
            target += t * t;
            distortion += e * e;
        }
        return 10 * Math.log10(target / distortion);
    }

    /**
     * Segmental SNR as in Loizou's {@code comp_snr.m} ("Speech Enhancement: Theory and Practice"):
     * 30 ms Hann-windowed frames every 7.5 ms, each frame's SNR limited to [-10, 35] dB, averaged.
     */
    public static double segmentalSnr(float[] reference, float[] estimate, double sampleRate) {
        checkLengths(reference, estimate);
        int win = (int) Math.round(30 * sampleRate / 1000);
        int skip = win / 4;
        int frames = reference.length / skip - win / skip;
        if (frames < 1) {
            throw new IllegalArgumentException("segmental SNR needs at least 30 ms of audio, got "
                    + reference.length + " samples at " + sampleRate + " Hz");
        }
        double[] window = hann(win);
        double sum = 0;
        for (int f = 0, start = 0; f < frames; f++, start += skip) {
            double signal = 0;
            double noise = 0;
            for (int i = 0; i < win; i++) {
                double c = reference[start + i] * window[i];
                double d = c - estimate[start + i] * window[i];
                signal += c * c;
                noise += d * d;
            }
            double snr = 10 * Math.log10(signal / (noise + EPS) + EPS);
            sum += Math.clamp(snr, SEG_SNR_MIN, SEG_SNR_MAX);
        }
        return sum / frames;
    }

    /** MATLAB's {@code hanning(n)} (no zero end points), as Loizou's and Taal's code use it. */
    static double[] hann(int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 1) / (n + 1));
        }
        return w;
    }

    static void checkLengths(float[] reference, float[] estimate) {
        if (reference.length != estimate.length || reference.length == 0) {
            throw new IllegalArgumentException("reference and estimate must have the same non-zero length, got "
                    + reference.length + " and " + estimate.length);
        }
    }
}
