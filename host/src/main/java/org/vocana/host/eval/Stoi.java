/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import be.tarsos.dsp.resample.Resampler;
import be.tarsos.dsp.util.fft.FFT;
import java.util.Arrays;

/**
 * Short-time objective intelligibility (Taal, Hendriks, Heusdens and Jensen, 2011), the classic
 * (not extended) measure, with the constants of the paper and of the reference implementations:
 * 10 kHz, 256-sample Hann frames at 50 % overlap, 512-point FFT, 15 one-third-octave bands from
 * 150 Hz, 384 ms (30 frame) segments, clipping at -15 dB signal-to-distortion, silent frames
 * (40 dB below the loudest clean frame) removed first. The range is about 0..1; 1 is identical.
 *
 * <p>Resampling to 10 kHz uses TarsosDSP's port of libresample (the reference code uses MATLAB's
 * {@code resample}); both signals go through the same filter, so the score barely depends on it.
 */
public final class Stoi {

    static final int FS = 10_000;
    static final int FRAME = 256;
    static final int NFFT = 512;
    static final int BANDS = 15;
    static final double MIN_FREQ = 150;
    static final int SEGMENT = 30;
    static final double BETA_DB = -15;
    static final double DYN_RANGE_DB = 40;
    private static final double EPS = 2.220446049250313e-16;

    private Stoi() {
    }

    /** STOI of {@code processed} against {@code clean} (same length, aligned, both at {@code sampleRate}). */
    public static double stoi(float[] clean, float[] processed, double sampleRate) {
        Metrics.checkLengths(clean, processed);
        float[] x = resample(clean, sampleRate);
        float[] y = resample(processed, sampleRate);
        int n = Math.min(x.length, y.length);
        x = Arrays.copyOf(x, n);
        y = Arrays.copyOf(y, n);
        float[][] kept = removeSilentFrames(x, y);
        double[][] xBands = bandEnvelopes(kept[0]);
        double[][] yBands = bandEnvelopes(kept[1]);
        int frames = xBands.length == 0 ? 0 : xBands[0].length;
        if (frames < SEGMENT) {
            throw new IllegalArgumentException("STOI needs at least " + SEGMENT
                    + " non-silent frames (about 0.4 s of speech), got " + frames);
        }
        double clip = Math.pow(10, -BETA_DB / 20);
        double sum = 0;
        double[] a = new double[SEGMENT];
        double[] b = new double[SEGMENT];
        for (int j = 0; j < BANDS; j++) {
            for (int m = SEGMENT; m <= frames; m++) {
                double normX = 0;
                double normY = 0;
                for (int i = 0; i < SEGMENT; i++) {
                    a[i] = xBands[j][m - SEGMENT + i];
                    b[i] = yBands[j][m - SEGMENT + i];
                    normX += a[i] * a[i];
                    normY += b[i] * b[i];
                }
                double scale = Math.sqrt(normX) / (Math.sqrt(normY) + EPS);
                for (int i = 0; i < SEGMENT; i++) {
                    b[i] = Math.min(b[i] * scale, a[i] * (1 + clip));
                }
                sum += correlation(a, b);
            }
        }
        return sum / (BANDS * (frames - SEGMENT + 1));
    }

    private static double correlation(double[] a, double[] b) {
        double meanA = 0;
        double meanB = 0;
        for (int i = 0; i < a.length; i++) {
            meanA += a[i];
            meanB += b[i];
        }
        meanA /= a.length;
        meanB /= b.length;
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            double da = a[i] - meanA;
            double db = b[i] - meanB;
            ab += da * db;
            aa += da * da;
            bb += db * db;
        }
        return ab / ((Math.sqrt(aa) + EPS) * (Math.sqrt(bb) + EPS));
    }

    static float[] resample(float[] in, double sampleRate) {
        if (sampleRate == FS) {
            return in.clone();
        }
        double factor = FS / sampleRate;
        Resampler resampler = new Resampler(true, factor, factor);
        int expected = (int) Math.round(in.length * factor);
        float[] out = new float[expected + 64];
        int consumed = 0;
        int produced = 0;
        while (true) {
            Resampler.Result r = resampler.process(factor, in, consumed, in.length - consumed, true,
                    out, produced, out.length - produced);
            consumed += r.inputSamplesConsumed;
            produced += r.outputSamplesGenerated;
            if (r.outputSamplesGenerated == 0 || produced >= expected) {
                break;
            }
        }
        return Arrays.copyOf(out, Math.min(produced, expected));
    }

    /** Drops the frames where the clean signal is more than 40 dB below its loudest frame, from both. */
    static float[][] removeSilentFrames(float[] x, float[] y) {
        int hop = FRAME / 2;
        double[] w = Metrics.hann(FRAME);
        int count = x.length < FRAME ? 0 : (x.length - FRAME) / hop + 1;
        double[] energy = new double[count];
        double loudest = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < count; f++) {
            double e = 0;
            for (int i = 0; i < FRAME; i++) {
                double v = w[i] * x[f * hop + i];
                e += v * v;
            }
            energy[f] = 20 * Math.log10(Math.sqrt(e) + EPS);
            loudest = Math.max(loudest, energy[f]);
        }
        int kept = 0;
        for (int f = 0; f < count; f++) {
            if (loudest - DYN_RANGE_DB - energy[f] < 0) {
                kept++;
            }
        }
        int length = kept == 0 ? 0 : (kept - 1) * hop + FRAME;
        float[] xs = new float[length];
        float[] ys = new float[length];
        for (int f = 0, k = 0; f < count; f++) {
            if (loudest - DYN_RANGE_DB - energy[f] < 0) {
                for (int i = 0; i < FRAME; i++) {
                    xs[k * hop + i] += (float) (w[i] * x[f * hop + i]);
                    ys[k * hop + i] += (float) (w[i] * y[f * hop + i]);
                }
                k++;
            }
        }
        return new float[][] {xs, ys};
    }

    /** FFT bin index range [low, high) of each one-third-octave band, edges snapped to the nearest bin. */
    static int[][] bandBins() {
        int[][] edges = new int[BANDS][2];
        double binHz = (double) FS / NFFT;
        for (int k = 0; k < BANDS; k++) {
            double low = MIN_FREQ * Math.pow(2, (2.0 * k - 1) / 6);
            double high = MIN_FREQ * Math.pow(2, (2.0 * k + 1) / 6);
            edges[k][0] = (int) Math.round(low / binHz);
            edges[k][1] = (int) Math.round(high / binHz);
        }
        return edges;
    }

    /** Band envelopes [band][frame]: square root of the band's summed power, per STFT frame. */
    static double[][] bandEnvelopes(float[] x) {
        int hop = FRAME / 2;
        double[] w = Metrics.hann(FRAME);
        int frames = x.length <= FRAME ? 0 : (x.length - FRAME + hop - 1) / hop; // range(0, len - FRAME, hop)
        int[][] bands = bandBins();
        double[][] env = new double[BANDS][frames];
        FFT fft = new FFT(NFFT);
        float[] buf = new float[NFFT];
        double[] power = new double[NFFT / 2 + 1];
        for (int f = 0; f < frames; f++) {
            Arrays.fill(buf, 0f);
            for (int i = 0; i < FRAME; i++) {
                buf[i] = (float) (w[i] * x[f * hop + i]);
            }
            fft.forwardTransform(buf);
            power[0] = buf[0] * buf[0];
            power[NFFT / 2] = buf[1] * buf[1];
            for (int k = 1; k < NFFT / 2; k++) {
                power[k] = (double) buf[2 * k] * buf[2 * k] + (double) buf[2 * k + 1] * buf[2 * k + 1];
            }
            for (int j = 0; j < BANDS; j++) {
                double sum = 0;
                for (int k = bands[j][0]; k < bands[j][1]; k++) {
                    sum += power[k];
                }
                env[j][f] = Math.sqrt(sum);
            }
        }
        return env;
    }
}
