/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.util.Locale;

/** How samples are stored in a WAV file. */
public enum WavEncoding {
    /** Signed 16-bit integer. */
    PCM_16(2, "16-bit PCM", "pcm16"),
    /** Signed 24-bit integer. */
    PCM_24(3, "24-bit PCM", "pcm24"),
    /** Signed 32-bit integer. */
    PCM_32(4, "32-bit PCM", "pcm32"),
    /** IEEE 754 single precision float. */
    FLOAT_32(4, "32-bit float", "float32");

    /** What {@link #parse} accepts, for messages and help texts. */
    public static final String ACCEPTED_NAMES = "pcm16, pcm24, pcm32, float32";

    private final int bytesPerSample;
    private final String displayName;
    private final String optionName;

    WavEncoding(int bytesPerSample, String displayName, String optionName) {
        this.bytesPerSample = bytesPerSample;
        this.displayName = displayName;
        this.optionName = optionName;
    }

    /** Bytes one sample of one channel takes in the file. */
    public int bytesPerSample() {
        return bytesPerSample;
    }

    /** Bits one sample takes in the file. */
    public int bitsPerSample() {
        return 8 * bytesPerSample;
    }

    /** True for the integer encodings. */
    public boolean isInteger() {
        return this != FLOAT_32;
    }

    /** For people, e.g. "24-bit PCM". */
    public String displayName() {
        return displayName;
    }

    /** The name {@link #parse} accepts, e.g. "pcm24". */
    public String optionName() {
        return optionName;
    }

    /**
     * Parses the value of a {@code --format} option: pcm16, pcm24, pcm32 or float32, in any case.
     *
     * @throws IllegalArgumentException with a one-line message listing what is accepted
     */
    public static WavEncoding parse(String text) {
        String key = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (WavEncoding e : values()) {
            if (e.optionName.equals(key)) {
                return e;
            }
        }
        return fail(text);
    }

    private static WavEncoding fail(String text) {
        String shown = text == null ? "" : text.replaceAll("\\p{Cntrl}", "?");
        throw new IllegalArgumentException("--format '" + shown + "' is not supported; accepted: " + ACCEPTED_NAMES);
    }
}
