/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import be.tarsos.dsp.util.fft.FFT;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NoisesTest {

    private static final int RATE = 48_000;
    private static final float[] BABBLE = StoiTest.speechLike(RATE * 8, 5);

    @Test
    void everyNoiseIsDeterministicPerSeedAndHasUnitRms() {
        for (String type : Noises.TYPES) {
            float[] a = Noises.generate(type, 1, RATE * 2, RATE, BABBLE);
            assertArrayEquals(a, Noises.generate(type, 1, RATE * 2, RATE, BABBLE), type);
            assertFalse(Arrays.equals(a, Noises.generate(type, 2, RATE * 2, RATE, BABBLE)), type + ": another seed, another noise");
            assertEquals(1.0, Noises.rms(a, 0, a.length), 1e-4, type);
        }
    }

    /** Mean power per Hz in [lo, hi) Hz, averaged over Hann-windowed 8192-point periodograms. */
    private static double density(float[] x, double lo, double hi) {
        int n = 8192;
        FFT fft = new FFT(n);
        double sum = 0;
        int count = 0;
        for (int start = 0; start + n <= x.length; start += n) {
            float[] s = Arrays.copyOfRange(x, start, start + n);
            for (int i = 0; i < n; i++) {
                s[i] *= (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
            }
            fft.forwardTransform(s);
            for (int k = (int) (lo * n / RATE); k < (int) (hi * n / RATE); k++) {
                sum += s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
                count++;
            }
        }
        return sum / count;
    }

    /** Slope in dB per octave between the bands around 400 Hz and 6.4 kHz (four octaves). */
    private static double slope(float[] x) {
        return 10 * Math.log10(density(x, 5600, 7200) / density(x, 350, 450)) / 4;
    }

    @Test
    void colouredNoisesHaveTheirSpectralSlopes() {
        assertEquals(0, slope(Noises.generate("white", 1, RATE * 4, RATE, null)), 0.5, "white: flat");
        assertEquals(-3, slope(Noises.generate("pink", 1, RATE * 4, RATE, null)), 0.5, "pink: -3 dB/octave");
        assertEquals(-6, slope(Noises.generate("brown", 1, RATE * 4, RATE, null)), 0.5, "brown: -6 dB/octave");
    }

    @Test
    void humIsMainsHarmonicsAndTypingIsClicks() {
        float[] hum = Noises.generate("hum", 1, RATE * 4, RATE, null);
        assertTrue(density(hum, 45, 55) > 1000 * density(hum, 70, 80), "50 Hz line far above the gap next to it");
        assertTrue(density(hum, 145, 155) > 1000 * density(hum, 170, 180), "150 Hz harmonic");
        float[] keys = Noises.generate("keyboard", 1, RATE * 4, RATE, null);
        double peak = 0;
        for (float v : keys) {
            peak = Math.max(peak, Math.abs(v));
        }
        assertTrue(peak > 8, "clicks: crest factor " + peak + " (RMS is 1)");
    }

    @Test
    void unknownNamesAndMissingBabbleAreExplained() {
        var e = assertThrows(IllegalArgumentException.class, () -> Noises.check("purple"));
        assertEquals("unknown noise 'purple'; accepted: white, pink, brown, hum, fan, keyboard, babble", e.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> Noises.generate("babble", 1, 100, RATE, null));
        assertEquals("babble noise needs the dev set's babble.wav", b.getMessage());
    }
}
