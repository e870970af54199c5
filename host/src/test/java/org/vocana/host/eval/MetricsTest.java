/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final int RATE = 48_000;

    /** A 480 Hz sine over whole periods: zero mean. */
    private static float[] sine(int n, double amplitude, double phase) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * 480 * i / RATE + phase));
        }
        return x;
    }

    @Test
    void siSdrOfAnOrthogonalErrorIsTheEnergyRatio() {
        float[] reference = sine(48_000, 1, 0);
        float[] error = sine(48_000, 0.1, Math.PI / 2); // a cosine: orthogonal over whole periods
        float[] estimate = new float[reference.length];
        for (int i = 0; i < estimate.length; i++) {
            estimate[i] = reference[i] + error[i];
        }
        assertEquals(20.0, Metrics.siSdr(reference, estimate), 1e-3, "10 log10(1 / 0.1^2)");
    }

    @Test
    void siSdrIgnoresScaleAndOffsetOfTheEstimate() {
        float[] reference = sine(4800, 1, 0);
        float[] estimate = sine(4800, 1, 0.3);
        double base = Metrics.siSdr(reference, estimate);
        float[] scaled = new float[estimate.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = 0.25f * estimate[i] + 0.5f;
        }
        assertEquals(base, Metrics.siSdr(reference, scaled), 1e-3);
        // phase error 0.3 rad: target cos^2(0.3), distortion sin^2(0.3)
        assertEquals(10 * Math.log10(1 / Math.pow(Math.tan(0.3), 2)), base, 1e-3);
    }

    @Test
    void segmentalSnrOfAScaledCopyIsTheScaleErrorInEveryFrame() {
        float[] reference = sine(48_000, 0.5, 0);
        float[] estimate = new float[reference.length];
        for (int i = 0; i < estimate.length; i++) {
            estimate[i] = 1.1f * reference[i]; // error 0.1 x: 20 dB in every frame
        }
        assertEquals(20.0, Metrics.segmentalSnr(reference, estimate, RATE), 1e-3);
    }

    @Test
    void segmentalSnrLimitsEachFrameToLoizousRange() {
        float[] reference = sine(48_000, 0.5, 0);
        assertEquals(Metrics.SEG_SNR_MAX, Metrics.segmentalSnr(reference, reference.clone(), RATE), 1e-9,
                "identical: every frame at the 35 dB limit");
        float[] silentHalf = reference.clone();
        java.util.Arrays.fill(silentHalf, 0, 24_000, 0f);
        // Loizou's frame count: 48000/360 - 1440/360 = 130 frames of 1440 samples every 360. Frames
        // wholly in the silent half have no signal and no error: -10 dB; all others are exact: 35 dB.
        int frames = 48_000 / 360 - 1440 / 360;
        int silent = 0;
        for (int f = 0; f < frames; f++) {
            if (f * 360 + 1440 <= 24_000) {
                silent++;
            }
        }
        assertEquals(63, silent);
        assertEquals((silent * -10.0 + (frames - silent) * 35.0) / frames,
                Metrics.segmentalSnr(silentHalf, silentHalf.clone(), RATE), 1e-9);
    }

    @Test
    void mismatchedLengthsAreRejectedWithBothLengths() {
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.siSdr(new float[10], new float[9]));
        assertEquals("reference and estimate must have the same non-zero length, got 10 and 9", e.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> Metrics.segmentalSnr(new float[100], new float[100], RATE));
        assertTrue(s.getMessage().startsWith("segmental SNR needs at least 30 ms of audio"), s.getMessage());
    }
}
