/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WavFormatTest {

    @Test
    void acceptsTheLimits() {
        assertEquals(8, new WavFormat(8000, 8, WavEncoding.FLOAT_32).channels());
        assertEquals(192000, new WavFormat(192000, 1, WavEncoding.PCM_16).sampleRate());
        assertEquals(6, new WavFormat(48000, 2, WavEncoding.PCM_24).bytesPerFrame());
    }

    @Test
    void rejectsChannelCountsOutside1To8() {
        assertEquals("0 channels; accepted 1..8", message(48000, 0));
        assertEquals("9 channels; accepted 1..8", message(48000, 9));
        assertEquals("-1 channels; accepted 1..8", message(48000, -1));
    }

    @Test
    void rejectsRatesOutside8To192kHz() {
        assertEquals("sample rate 7999 Hz; accepted 8000..192000 Hz", message(7999, 2));
        assertEquals("sample rate 192001 Hz; accepted 8000..192000 Hz", message(192001, 2));
    }

    @Test
    void requiresAnEncoding() {
        assertThrows(NullPointerException.class, () -> new WavFormat(48000, 2, null));
    }

    private static String message(int rate, int channels) {
        return assertThrows(IllegalArgumentException.class, () -> new WavFormat(rate, channels, WavEncoding.PCM_16))
                .getMessage();
    }
}
