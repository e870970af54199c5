/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AlignmentTest {

    private static float[] delayed(float[] x, int delay, float gain, float noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] y = new float[x.length + delay];
        for (int i = 0; i < y.length; i++) {
            y[i] = (i >= delay ? gain * x[i - delay] : 0f) + (float) (noise * random.nextGaussian());
        }
        return y;
    }

    @Test
    void findsTheDelaySampleExactly() {
        float[] x = StoiTest.speechLike(48_000, 7);
        for (int d : new int[] {0, 1, 511, 960, 8191}) {
            assertEquals(d, Alignment.delay(x, delayed(x, d, 1f, 0f, 1), 8192), "delay " + d);
        }
    }

    @Test
    void findsItThroughGainAndNoise() {
        float[] x = StoiTest.speechLike(48_000, 8);
        assertEquals(300, Alignment.delay(x, delayed(x, 300, 0.3f, 0.02f, 2), 2048));
    }

    @Test
    void delaysBeyondTheSearchRangeAreNotReported() {
        float[] x = StoiTest.speechLike(48_000, 9);
        int d = Alignment.delay(x, delayed(x, 3000, 1f, 0f, 3), 2048);
        assertTrue(d != 3000 && d <= 2048, "" + d);
    }

    @Test
    void silenceAndABadRangeAreRejected() {
        var silent = assertThrows(IllegalArgumentException.class, () -> Alignment.delay(new float[1000], new float[1000], 100));
        assertTrue(silent.getMessage().startsWith("no positive correlation"), silent.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> Alignment.delay(new float[10], new float[10], -1));
        assertEquals("maxLag must be >= 0, got -1", range.getMessage());
    }
}
