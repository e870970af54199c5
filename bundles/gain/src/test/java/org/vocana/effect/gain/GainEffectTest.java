/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.gain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GainEffectTest {

    private static final int RATE = 48_000;

    private static float[][] sine(int channels, int frames, double freq, double amp) {
        float[][] b = new float[channels][frames];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < frames; i++) {
                b[c][i] = (float) (amp * Math.sin(2 * Math.PI * freq * i / RATE + c));
            }
        }
        return b;
    }

    private static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) x[i] * x[i];
        }
        return Math.sqrt(s / (to - from));
    }

    @Test
    void zeroDbIsBitExactPassThrough() {
        GainEffect g = new GainEffect();
        g.activate(RATE, 128, 2);
        float[][] in = sine(2, 128, 1000, 0.5);
        float[][] out = new float[2][128];
        g.process(in, out, 128);
        assertArrayEquals(in[0], out[0]);
        assertArrayEquals(in[1], out[1]);
    }

    @Test
    void settledGainIsExactToWithinAHundredthOfADecibel() {
        for (double db : new double[] {-60, -23.5, -6, 0.5, 6, 24}) {
            GainEffect g = new GainEffect();
            g.setParameter(GainEffect.GAIN_DB, db);
            g.activate(RATE, 480, 1);
            float[][] in = sine(1, 480, 997, 0.01);
            float[][] out = new float[1][480];
            g.process(in, out, 480);
            double measured = 20 * Math.log10(rms(out[0], 0, 480) / rms(in[0], 0, 480));
            assertEquals(db, measured, 0.01, "gain " + db + " dB");
        }
    }

    @Test
    void changesRampOverTwentyMillisecondsWithoutASteps() {
        GainEffect g = new GainEffect();
        g.activate(RATE, 64, 1);
        float[][] dc = {new float[64]};
        java.util.Arrays.fill(dc[0], 1f);
        float[][] out = new float[1][64];
        g.process(dc, out, 64);
        assertEquals(1f, out[0][63]);
        g.setParameter(GainEffect.GAIN_DB, -20);
        int rampFrames = (int) (GainEffect.RAMP_MS * RATE / 1000);
        float prev = 1f;
        int frame = 0;
        float maxStep = 0;
        while (frame < rampFrames + 64) {
            g.process(dc, out, 64);
            for (int i = 0; i < 64; i++, frame++) {
                maxStep = Math.max(maxStep, prev - out[0][i]);
                assertTrue(out[0][i] <= prev, "monotone at frame " + frame);
                prev = out[0][i];
            }
        }
        // a linear ramp from 1 to 0.1 over 960 frames moves 0.9/960 per frame
        assertEquals(0.9 / rampFrames, maxStep, 1e-5);
        assertEquals(0.1f, prev, 1e-7f);
    }

    @Test
    void muteFadesToExactSilenceAndBack() {
        GainEffect g = new GainEffect();
        g.activate(RATE, 1024, 2);
        float[][] in = sine(2, 1024, 440, 0.8);
        float[][] out = new float[2][1024];
        g.setParameter(GainEffect.MUTE, 1);
        g.process(in, out, 1024);
        // first sample is already attenuated but not silent: a fade, not a cut
        assertTrue(Math.abs(out[0][1]) > 0);
        for (int i = 960; i < 1024; i++) {
            assertEquals(0f, Math.abs(out[0][i]));
            assertEquals(0f, Math.abs(out[1][i]));
        }
        g.setParameter(GainEffect.MUTE, 0);
        g.process(in, out, 1024);
        assertEquals(in[0][1000], out[0][1000]);
    }

    @Test
    void processesInPlaceAndAnyBlockSize() {
        GainEffect g = new GainEffect();
        g.setParameter(GainEffect.GAIN_DB, 6);
        g.activate(RATE, 257, 1);
        float[][] buf = sine(1, 257, 100, 0.25);
        float expected = (float) (buf[0][200] * Math.pow(10, 6 / 20.0));
        for (int n : new int[] {0, 1, 7, 257}) {
            g.process(buf, buf, n);
        }
        float[][] fresh = sine(1, 257, 100, 0.25);
        g.process(fresh, fresh, 257);
        assertEquals(expected, fresh[0][200], 1e-6f);
    }
}
