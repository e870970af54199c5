/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinearRampTest {

    @Test
    void rampsLinearlyAndLandsExactlyOnTheTarget() {
        LinearRamp r = new LinearRamp();
        r.setRampFrames(4);
        r.jumpTo(0);
        r.setTarget(1);
        assertEquals(0.25, r.next(), 1e-12);
        assertEquals(0.5, r.next(), 1e-12);
        assertEquals(0.75, r.next(), 1e-12);
        assertTrue(r.isRamping());
        assertEquals(1.0, r.next());
        assertFalse(r.isRamping());
        assertEquals(1.0, r.next());
    }

    @Test
    void retargetingMidRampStartsFromTheCurrentValue() {
        LinearRamp r = new LinearRamp();
        r.setRampFrames(2);
        r.jumpTo(0);
        r.setTarget(1);
        assertEquals(0.5, r.next(), 1e-12);
        r.setTarget(0.5);
        assertEquals(0.5, r.next(), 1e-12);
        assertEquals(0.5, r.next());
    }

    @Test
    void decibelConversionsAreInverse() {
        assertEquals(2.0, Decibels.toGain(Decibels.fromGain(2.0)), 1e-12);
        assertEquals(-6.0206, Decibels.fromGain(0.5), 1e-4);
    }
}
