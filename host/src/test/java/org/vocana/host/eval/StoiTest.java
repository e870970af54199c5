/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StoiTest {

    /**
     * Tones with slow amplitude modulation, a 0.3 s pause, and a distorted copy (a wobbling tone and
     * a steady one added). The expected STOI, 0.82593, was computed with a NumPy transcription of
     * the reference algorithm (float64 FFT), at 10 kHz so that no resampling is involved.
     */
    @Test
    void matchesAnIndependentNumpyComputation() {
        int n = 25_000;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double t = i / 10_000.0;
            double v = Math.sin(2 * Math.PI * 440 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t))
                    + 0.3 * Math.sin(2 * Math.PI * 1234 * t) * (0.5 + 0.5 * Math.cos(2 * Math.PI * 2 * t))
                    + 0.2 * Math.sin(2 * Math.PI * 2600 * t) * Math.pow(Math.sin(2 * Math.PI * 1.5 * t), 2)
                    + 0.1 * Math.sin(2 * Math.PI * 3800 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 2.5 * t))
                    + 0.3 * Math.sin(2 * Math.PI * 160 * t) * (0.5 + 0.5 * Math.cos(2 * Math.PI * 1.2 * t));
            if (i >= 9000 && i < 12_000) {
                v = 0;
            }
            double w = v + 0.4 * Math.sin(2 * Math.PI * (700 * t + 30 * Math.sin(2 * Math.PI * 0.7 * t)))
                    + 0.25 * Math.sin(2 * Math.PI * 3300 * t + 1);
            x[i] = (float) v;
            y[i] = (float) w;
        }
        assertEquals(0.8259256, Stoi.stoi(x, y, 10_000), 1e-5);
    }

    @Test
    void identicalAndScaledSignalsScoreOne() {
        float[] x = speechLike(48_000 * 2, 1);
        float[] half = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            half[i] = 0.5f * x[i];
        }
        assertEquals(1.0, Stoi.stoi(x, x.clone(), 48_000), 1e-9);
        assertEquals(1.0, Stoi.stoi(x, half, 48_000), 1e-6);
    }

    @Test
    void moreNoiseScoresLowerAndNoiseAloneScoresLowest() {
        float[] x = speechLike(48_000 * 3, 2);
        float[] noise = new float[x.length];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) random.nextGaussian();
        }
        double previous = Double.NEGATIVE_INFINITY;
        double first = 0;
        for (double snr : new double[] {-15, -5, 5, 15}) {
            double gain = Noises.rms(x, 0, x.length) / Noises.rms(noise, 0, noise.length) * Math.pow(10, -snr / 20);
            float[] y = new float[x.length];
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) (x[i] + gain * noise[i]);
            }
            double d = Stoi.stoi(x, y, 48_000);
            if (snr == -15) {
                first = d;
            }
            assertTrue(d > previous, "STOI rises with the SNR: " + d + " at " + snr + " dB after " + previous);
            previous = d;
        }
        assertTrue(previous > 0.9, "15 dB SNR: " + previous);
        double alone = Stoi.stoi(x, noise, 48_000);
        assertTrue(alone < first - 0.1, "noise alone " + alone + " scores below speech at -15 dB SNR " + first);
    }

    @Test
    void bandsAreTheReferenceOneThirdOctaveBinsFrom150Hz() {
        int[][] expected = {{7, 9}, {9, 11}, {11, 14}, {14, 17}, {17, 22}, {22, 27}, {27, 34}, {34, 43}, {43, 55},
            {55, 69}, {69, 87}, {87, 109}, {109, 138}, {138, 174}, {174, 219}};
        int[][] bands = Stoi.bandBins();
        for (int k = 0; k < expected.length; k++) {
            assertArrayEquals(expected[k], bands[k], "band " + k);
        }
    }

    @Test
    void resamplingTo10kHzKeepsFrequencyLevelAndTiming() {
        float[] x = new float[48_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
        }
        float[] y = Stoi.resample(x, 48_000);
        assertEquals(10_000, y.length);
        double worst = 0;
        for (int i = 1000; i < 9000; i++) { // away from the edges
            worst = Math.max(worst, Math.abs(y[i] - 0.5 * Math.sin(2 * Math.PI * 1000 * i / 10_000.0)));
        }
        assertTrue(worst < 0.01, "same sine at 10 kHz, no delay: worst error " + worst);
    }

    @Test
    void tooLittleSpeechIsRejected() {
        float[] x = speechLike(4800, 4); // 0.1 s
        var e = assertThrows(IllegalArgumentException.class, () -> Stoi.stoi(x, x, 48_000));
        assertTrue(e.getMessage().startsWith("STOI needs at least 30 non-silent frames"), e.getMessage());
    }

    /** Harmonic tones whose pitch and loudness move at syllable rate, with pauses. */
    static float[] speechLike(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = i / 48_000.0;
            double f0 = 140 + 30 * Math.sin(2 * Math.PI * 0.8 * t);
            phase += 2 * Math.PI * f0 / 48_000;
            double envelope = Math.max(0, Math.sin(2 * Math.PI * 4 * t)) * (Math.sin(2 * Math.PI * 0.5 * t) > -0.7 ? 1 : 0);
            double v = 0;
            for (int h = 1; h <= 20; h++) {
                v += Math.sin(h * phase) / h;
            }
            x[i] = (float) (0.2 * envelope * v + 0.001 * envelope * random.nextGaussian());
        }
        return x;
    }
}
