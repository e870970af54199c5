/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.vocana.sdk.ParameterDescriptor.Scale;

class ParameterDescriptorTest {

    private final ParameterDescriptor gain =
            ParameterDescriptor.continuous("gainDb", "Gain", "dB", -60, 24, 0, Scale.LINEAR);
    private final ParameterDescriptor order =
            ParameterDescriptor.stepped("order", "Order", "", 2, 4, 2, 2);

    @Test
    void acceptsValuesInRangeAndNamesTheRangeOtherwise() {
        assertNull(gain.check(-60));
        assertNull(gain.check(24));
        assertEquals("gainDb=25 is out of range: accepted -60..24", gain.check(25));
        assertEquals("gainDb=NaN is out of range: accepted -60..24", gain.check(Double.NaN));
        assertEquals("-60..24 dB", gain.acceptedValues());
    }

    @Test
    void steppedParametersAcceptOnlyTheirSteps() {
        assertNull(order.check(4));
        assertEquals("order=3 is not an accepted value: accepted 2, 4", order.check(3));
        assertEquals("2, 4", order.acceptedValues());
    }

    @Test
    void toggleIsZeroOrOne() {
        ParameterDescriptor mute = ParameterDescriptor.toggle("mute", "Mute", false);
        assertNull(mute.check(1));
        assertEquals("mute=0.5 is not an accepted value: accepted 0, 1", mute.check(0.5));
        assertEquals("on/off (1/0, true/false)", mute.acceptedValues());
    }

    @Test
    void rejectsInconsistentDeclarations() {
        assertThrows(IllegalArgumentException.class,
                () -> ParameterDescriptor.continuous("x", "X", "", 1, 0, 0, Scale.LINEAR));
        assertThrows(IllegalArgumentException.class,
                () -> ParameterDescriptor.continuous("x", "X", "", 0, 1, 2, Scale.LINEAR));
        assertThrows(IllegalArgumentException.class,
                () -> ParameterDescriptor.continuous("x", "X", "Hz", 0, 1, 0.5, Scale.LOG));
        assertThrows(IllegalArgumentException.class,
                () -> ParameterDescriptor.continuous("bad id", "X", "", 0, 1, 0, Scale.LINEAR));
        assertThrows(IllegalArgumentException.class,
                () -> new EffectDescriptor("Gain", "Gain", "v", "1", java.util.List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new EffectDescriptor("g", "G", "v", "1", java.util.List.of(gain, gain)));
    }
}
