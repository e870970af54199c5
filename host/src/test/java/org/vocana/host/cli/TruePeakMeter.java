/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

/**
 * A reference true-peak meter for tests: 4x oversampling (ITU-R BS.1770-4) with a long
 * Kaiser-windowed sinc interpolator, evaluated at every quarter-sample position.
 */
final class TruePeakMeter {

    private static final int FACTOR = 4;
    private static final int HALF_TAPS = 32;

    private TruePeakMeter() {
    }

    /** The largest absolute interpolated value over all channels, linear. */
    static double truePeak(float[][] channels) {
        double[][] phases = new double[FACTOR][2 * HALF_TAPS];
        for (int p = 0; p < FACTOR; p++) {
            double frac = (double) p / FACTOR;
            for (int k = 0; k < 2 * HALF_TAPS; k++) {
                double t = (k - HALF_TAPS + 1) - frac; // distance from the interpolation point to sample n+k-HALF_TAPS+1
                phases[p][k] = sinc(t) * kaiser(t / HALF_TAPS, 8.0);
            }
        }
        double peak = 0;
        for (float[] x : channels) {
            for (int n = 0; n < x.length; n++) {
                peak = Math.max(peak, Math.abs(x[n]));
                for (int p = 1; p < FACTOR; p++) {
                    double acc = 0;
                    for (int k = 0; k < 2 * HALF_TAPS; k++) {
                        int i = n + k - HALF_TAPS + 1;
                        if (i >= 0 && i < x.length) {
                            acc += x[i] * phases[p][k];
                        }
                    }
                    peak = Math.max(peak, Math.abs(acc));
                }
            }
        }
        return peak;
    }

    private static double sinc(double t) {
        return t == 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    }

    private static double kaiser(double x, double beta) {
        if (Math.abs(x) > 1) {
            return 0;
        }
        return bessel0(beta * Math.sqrt(1 - x * x)) / bessel0(beta);
    }

    private static double bessel0(double x) {
        double sum = 1;
        double term = 1;
        for (int k = 1; k < 50; k++) {
            term *= (x / (2 * k)) * (x / (2 * k));
            sum += term;
        }
        return sum;
    }
}
