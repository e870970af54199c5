/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.speex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.EffectVerifier;

class SpeexSuppressorTest {

    @Test
    void libspeexdspIsInstalledHere() {
        // CI installs libspeexdsp1 (hal-plugin/apt-packages.txt); without it the effect says how to
        assertTrue(SpeexLibrary.available(), "libspeexdsp1 is not installed");
    }

    @Test
    void passesTheEffectTestKitAtTheHighestLevel() {
        EffectVerifier.of(SpeexSuppressor::new).verify().assertPassed();
    }

    @Test
    void whiteNoiseIsAttenuatedByAboutTheStrength() {
        SpeexSuppressor s = new SpeexSuppressor();
        s.activate(48_000, 480, 1);
        assertEquals(960, s.latencyFrames(), "a 10 ms frame buffered plus 10 ms inside speexdsp");
        SplittableRandom r = new SplittableRandom(3);
        float[][] buf = new float[1][480];
        double in = 0;
        double out = 0;
        for (int b = 0; b < 300; b++) {
            for (int i = 0; i < 480; i++) {
                buf[0][i] = (float) (0.05 * (r.nextDouble() * 2 - 1));
                if (b >= 100) {
                    in += buf[0][i] * buf[0][i];
                }
            }
            s.process(buf, buf, 480);
            for (int i = 0; i < 480; i++) {
                if (b >= 100) {
                    out += buf[0][i] * buf[0][i];
                }
            }
        }
        double reduction = 10 * Math.log10(in / out);
        assertTrue(reduction > 15, "speexdsp at 30 dB takes " + reduction + " dB off white noise");
    }
}
