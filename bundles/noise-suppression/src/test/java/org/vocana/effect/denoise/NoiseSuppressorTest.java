/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.denoise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.EffectVerifier;

class NoiseSuppressorTest {

    private static final int RATE = 48_000;

    @Test
    void passesTheEffectTestKitAtTheHighestLevel() {
        EffectVerifier.of(NoiseSuppressor::new).verify().assertPassed();
    }

    @Test
    void atZeroStrengthItIsAPureDelayOfTheReportedLatencyForAnyBlockSize() {
        for (int block : new int[] {1, 37, 128, 480, 1024}) {
            NoiseSuppressor ns = new NoiseSuppressor();
            ns.setParameter(NoiseSuppressor.STRENGTH, 0);
            ns.activate(RATE, 1024, 2);
            assertEquals(511, ns.latencyFrames(), "10.6 ms at 48 kHz");
            int total = 24_000;
            float[][] x = new float[2][total];
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < total; i++) {
                x[0][i] = (float) (r.nextDouble() - 0.5);
                x[1][i] = (float) (0.3 * Math.sin(i * 0.01));
            }
            float[][] y = new float[2][total];
            float[][] buf = new float[2][block];
            for (int start = 0; start < total; start += block) {
                int m = Math.min(block, total - start);
                for (int c = 0; c < 2; c++) {
                    System.arraycopy(x[c], start, buf[c], 0, m);
                }
                ns.process(buf, buf, m);
                for (int c = 0; c < 2; c++) {
                    System.arraycopy(buf[c], 0, y[c], start, m);
                }
            }
            double worst = 0;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 511; i++) {
                    worst = Math.max(worst, Math.abs(y[c][i]));
                }
                for (int i = 511 + 512; i < total; i++) { // after the first full frames
                    worst = Math.max(worst, Math.abs(y[c][i] - x[c][i - 511]));
                }
            }
            assertTrue(worst < 1e-4, "block " + block + ": output = input delayed by 511 frames, worst error " + worst);
        }
    }

    @Test
    void stationaryNoiseIsAttenuatedByTheStrengthWhileAToneBurstInItSurvives() {
        // (a tone that goes on for many seconds is stationary: the suppressor learns it as noise, as it
        // should for hum; a burst as long as a word keeps its level)
        NoiseSuppressor ns = new NoiseSuppressor();
        ns.activate(RATE, 128, 1);
        SplittableRandom r = new SplittableRandom(7);
        float[][] buf = new float[1][128];
        double noiseIn = 0;
        double noiseOut = 0;
        double toneOut = 0;
        int blocks = 3 * RATE / 128;
        for (int b = 0; b < blocks; b++) {
            boolean tone = b >= 2 * RATE / 128; // the last second adds a loud 1 kHz tone
            for (int i = 0; i < 128; i++) {
                long t = (long) b * 128 + i;
                double noise = 0.05 * (r.nextDouble() * 2 - 1);
                buf[0][i] = (float) (noise + (tone ? 0.5 * Math.sin(2 * Math.PI * 1000 * t / RATE) : 0));
                if (b >= RATE / 128 && !tone) {
                    noiseIn += noise * noise;
                }
            }
            ns.process(buf, buf, 128);
            for (int i = 0; i < 128; i++) {
                if (b >= RATE / 128 && !tone) {
                    noiseOut += buf[0][i] * buf[0][i];
                } else if (b >= 2 * RATE / 128 + 40 && b < 2 * RATE / 128 + 40 + 150) {
                    toneOut += buf[0][i] * buf[0][i];
                }
            }
        }
        double reduction = 10 * Math.log10(noiseIn / noiseOut);
        assertTrue(reduction > 18 && reduction < 26, "white noise reduced by the 24 dB strength: " + reduction + " dB");
        double toneRms = Math.sqrt(toneOut / (150 * 128.0));
        assertEquals(0.5 / Math.sqrt(2), toneRms, 0.02, "the burst keeps its level (0.4 s from 0.1 s after its onset)");
    }
}
