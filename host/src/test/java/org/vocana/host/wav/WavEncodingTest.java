/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WavEncodingTest {

    @Test
    void parsesTheFourNamesInAnyCase() {
        assertEquals(WavEncoding.PCM_16, WavEncoding.parse("pcm16"));
        assertEquals(WavEncoding.PCM_24, WavEncoding.parse("PCM24"));
        assertEquals(WavEncoding.PCM_32, WavEncoding.parse("Pcm32"));
        assertEquals(WavEncoding.FLOAT_32, WavEncoding.parse("FLOAT32"));
        assertEquals(WavEncoding.FLOAT_32, WavEncoding.parse(" float32 "));
    }

    @Test
    void rejectsOtherNamesListingTheAcceptedOnes() {
        assertEquals("--format 'pcm8' is not supported; accepted: pcm16, pcm24, pcm32, float32",
                assertThrows(IllegalArgumentException.class, () -> WavEncoding.parse("pcm8")).getMessage());
        assertEquals("--format 'float64' is not supported; accepted: pcm16, pcm24, pcm32, float32",
                assertThrows(IllegalArgumentException.class, () -> WavEncoding.parse("float64")).getMessage());
        assertEquals("--format '' is not supported; accepted: pcm16, pcm24, pcm32, float32",
                assertThrows(IllegalArgumentException.class, () -> WavEncoding.parse("")).getMessage());
        assertEquals("--format 'PCM_16' is not supported; accepted: pcm16, pcm24, pcm32, float32",
                assertThrows(IllegalArgumentException.class, () -> WavEncoding.parse("PCM_16")).getMessage());
    }

    @Test
    void knowsSizesAndNames() {
        assertEquals(2, WavEncoding.PCM_16.bytesPerSample());
        assertEquals(3, WavEncoding.PCM_24.bytesPerSample());
        assertEquals(4, WavEncoding.PCM_32.bytesPerSample());
        assertEquals(4, WavEncoding.FLOAT_32.bytesPerSample());
        assertEquals("16-bit PCM", WavEncoding.PCM_16.displayName());
        assertEquals("24-bit PCM", WavEncoding.PCM_24.displayName());
        assertEquals("32-bit PCM", WavEncoding.PCM_32.displayName());
        assertEquals("32-bit float", WavEncoding.FLOAT_32.displayName());
        for (WavEncoding e : WavEncoding.values()) {
            assertEquals(e, WavEncoding.parse(e.optionName()));
        }
    }
}
