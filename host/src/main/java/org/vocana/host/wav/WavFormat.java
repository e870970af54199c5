/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.util.Objects;

/**
 * The format of a WAV file this package reads and writes.
 *
 * @param sampleRate frames per second, {@value #MIN_RATE}..{@value #MAX_RATE}
 * @param channels interleaved channels, {@value #MIN_CHANNELS}..{@value #MAX_CHANNELS}
 * @param encoding how each sample is stored
 */
public record WavFormat(int sampleRate, int channels, WavEncoding encoding) {

    public static final int MIN_RATE = 8000;
    public static final int MAX_RATE = 192000;
    public static final int MIN_CHANNELS = 1;
    public static final int MAX_CHANNELS = 8;

    /** @throws IllegalArgumentException with a one-line message saying what is accepted */
    public WavFormat {
        Objects.requireNonNull(encoding, "encoding");
        String problem = channelsProblem(channels);
        if (problem == null) {
            problem = rateProblem(sampleRate);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Bytes one frame (one sample of every channel) takes in the file. */
    public int bytesPerFrame() {
        return channels * encoding.bytesPerSample();
    }

    /** What is wrong with a channel count, or null if it is accepted. */
    static String channelsProblem(long channels) {
        if (channels < MIN_CHANNELS || channels > MAX_CHANNELS) {
            return channels + (channels == 1 ? " channel" : " channels") + "; accepted " + MIN_CHANNELS + ".."
                    + MAX_CHANNELS;
        }
        return null;
    }

    /** What is wrong with a sample rate, or null if it is accepted. */
    static String rateProblem(long sampleRate) {
        if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
            return "sample rate " + sampleRate + " Hz; accepted " + MIN_RATE + ".." + MAX_RATE + " Hz";
        }
        return null;
    }
}
