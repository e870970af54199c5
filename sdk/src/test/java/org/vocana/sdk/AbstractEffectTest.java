/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.ParameterDescriptor.Scale;

class AbstractEffectTest {

    /** Multiplies by the "factor" parameter; records lifecycle calls. */
    static final class Scaler extends AbstractEffect {
        int activations;
        int resets;

        Scaler() {
            super(new EffectDescriptor("scaler", "Scaler", "test", "1.0.0",
                    List.of(ParameterDescriptor.continuous("factor", "Factor", "", 0, 4, 1, Scale.LINEAR))));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
            activations++;
        }

        @Override
        protected void onReset() {
            resets++;
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            float f = (float) parameter(0);
            for (int c = 0; c < channels(); c++) {
                for (int i = 0; i < frames; i++) {
                    out[c][i] = in[c][i] * f;
                }
            }
        }
    }

    @Test
    void processBeforeActivateIsRefusedWithAClearMessage() {
        Scaler s = new Scaler();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.process(new float[1][4], new float[1][4], 4));
        assertEquals("scaler: process() called before activate()", e.getMessage());
    }

    @Test
    void doubleActivateIsRefusedAndReactivationAtAnotherRateWorks() {
        Scaler s = new Scaler();
        s.activate(48_000, 128, 2);
        assertThrows(IllegalStateException.class, () -> s.activate(48_000, 128, 2));
        s.deactivate();
        s.deactivate();
        s.activate(44_100, 64, 1);
        assertEquals(2, s.activations);
        assertEquals(44_100, s.sampleRate());
        assertEquals(1, s.channels());
    }

    @Test
    void blockSizesAreCheckedAndZeroFramesIsANoOp() {
        Scaler s = new Scaler();
        s.activate(48_000, 8, 1);
        float[][] buf = {{1, 2, 3, 4, 5, 6, 7, 8, 9}};
        assertThrows(IllegalArgumentException.class, () -> s.process(buf, buf, 9));
        s.process(buf, buf, 0);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, buf[0]);
    }

    @Test
    void parametersAreValidatedAndReadBack() {
        Scaler s = new Scaler();
        assertEquals(1.0, s.parameter(0));
        s.setParameter(0, 2.5);
        assertEquals(2.5, s.parameter(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.setParameter(0, 5));
        assertEquals("scaler: factor=5 is out of range: accepted 0..4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setParameter(1, 0));
        assertEquals(2.5, s.parameter(0));
    }

    @Test
    void activateRejectsUnsupportedFormats() {
        Scaler s = new Scaler();
        assertEquals("scaler: sample rate 500.0 Hz is not supported: accepted 1000..768000 Hz",
                assertThrows(IllegalArgumentException.class, () -> s.activate(500, 128, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.activate(48_000, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> s.activate(48_000, 128, 65));
    }
}
