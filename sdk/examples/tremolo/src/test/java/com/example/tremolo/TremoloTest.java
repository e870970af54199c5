/*
 * SPDX-License-Identifier: Apache-2.0
 */
package com.example.tremolo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.EffectVerifier;

class TremoloTest {

    @Test
    void passesTheVocanaEffectTestKit() {
        EffectVerifier.of(Tremolo::new).verify().assertPassed();
    }

    @Test
    void fullDepthSwingsFromFullLevelToSilenceAtTheRate() {
        Tremolo t = new Tremolo();
        t.setParameter(0, 4);  // 4 Hz
        t.setParameter(1, 1);  // full depth
        t.activate(48_000, 12_000, 1);
        float[][] buf = new float[1][12_000];
        java.util.Arrays.fill(buf[0], 1f);
        t.process(buf, buf, 12_000); // a quarter second: one full LFO cycle
        assertEquals(1f, buf[0][0], 1e-6f, "starts at full level");
        assertEquals(0f, buf[0][6_000], 1e-6f, "silent half a cycle later");
        assertEquals(1f, buf[0][11_999], 1e-3f, "back to full level after a cycle");
    }
}
