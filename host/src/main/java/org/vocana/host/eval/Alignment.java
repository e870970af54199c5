/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import be.tarsos.dsp.util.ConcurrencyUtils;
import be.tarsos.dsp.util.fft.FFT;

/**
 * Delay estimation by generalised cross-correlation with the phase transform (GCC-PHAT, Knapp and
 * Carter): the cross-spectrum is whitened before the inverse FFT, so the peak stays one sample wide
 * even for low-pass signals such as voiced speech.
 */
public final class Alignment {

    static {
        // TarsosDSP splits FFTs of 8192 points and more over a pool of non-daemon threads that keep
        // the JVM alive for a minute after main returns; one thread is fast enough here. (The host
        // embeds its own copy of TarsosDSP: this setting touches no effect bundle.)
        ConcurrencyUtils.setNumberOfThreads(1);
    }

    private Alignment() {
    }

    /**
     * The delay d in [0, maxLag] samples that maximises {@code sum_i output[i + d] * input[i]}: how
     * much later {@code input} appears in {@code output}.
     *
     * @throws IllegalArgumentException if either signal is silent or maxLag is negative
     */
    public static int delay(float[] input, float[] output, int maxLag) {
        if (maxLag < 0) {
            throw new IllegalArgumentException("maxLag must be >= 0, got " + maxLag);
        }
        int size = Integer.highestOneBit(Math.max(input.length, output.length) + maxLag) * 2;
        float[] a = new float[size];
        float[] b = new float[size];
        System.arraycopy(output, 0, a, 0, output.length);
        System.arraycopy(input, 0, b, 0, input.length);
        FFT fft = new FFT(size);
        fft.forwardTransform(a);
        fft.forwardTransform(b);
        // a * conj(b) / |a * conj(b)| (phase transform: a sharp peak whatever the spectra), in
        // TarsosDSP's packing: [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...]
        a[0] = Math.signum(a[0] * b[0]);
        a[1] = Math.signum(a[1] * b[1]);
        for (int k = 2; k < size; k += 2) {
            float re = a[k] * b[k] + a[k + 1] * b[k + 1];
            float im = a[k + 1] * b[k] - a[k] * b[k + 1];
            float magnitude = (float) Math.hypot(re, im);
            a[k] = magnitude > 0 ? re / magnitude : 0f;
            a[k + 1] = magnitude > 0 ? im / magnitude : 0f;
        }
        fft.backwardsTransform(a);
        int best = -1;
        double bestValue = 0;
        for (int d = 0; d <= maxLag && d < size; d++) {
            if (a[d] > bestValue) {
                bestValue = a[d];
                best = d;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("no positive correlation between input and output within "
                    + maxLag + " samples (silent or inverted output?)");
        }
        return best;
    }
}
