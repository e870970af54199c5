/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vocana.host.wav.WavReader;

/**
 * The dev set on disk, as {@code host/eval/make-devset.sh} writes it: {@code speech-0.wav},
 * {@code speech-1.wav}, ... (clean speech, one voice each) and {@code babble.wav}, all 48 kHz mono.
 */
public record DevSet(List<float[]> speech, float[] babble) {

    public static final int SAMPLE_RATE = 48_000;

    /** Loads the set; a missing or malformed file is an {@link IOException} saying how to make the set. */
    public static DevSet load(Path dir) throws IOException {
        String remedy = "; make the dev set with: host/eval/make-devset.sh " + dir;
        if (!Files.isRegularFile(dir.resolve("speech-0.wav")) || !Files.isRegularFile(dir.resolve("babble.wav"))) {
            throw new IOException("no dev set in " + dir + " (speech-0.wav and babble.wav expected)" + remedy);
        }
        List<float[]> speech = new ArrayList<>();
        for (int i = 0; Files.isRegularFile(dir.resolve("speech-" + i + ".wav")); i++) {
            speech.add(read(dir.resolve("speech-" + i + ".wav"), remedy));
        }
        return new DevSet(List.copyOf(speech), read(dir.resolve("babble.wav"), remedy));
    }

    private static float[] read(Path file, String remedy) throws IOException {
        try (WavReader reader = WavReader.open(file)) {
            if (reader.format().sampleRate() != SAMPLE_RATE || reader.format().channels() != 1) {
                throw new IOException(file + " is " + reader.format().sampleRate() + " Hz, "
                        + reader.format().channels() + " channel(s); the dev set is 48000 Hz mono" + remedy);
            }
            if (reader.truncated() || reader.frames() < SAMPLE_RATE / 2 || reader.frames() > 60L * SAMPLE_RATE) {
                throw new IOException(file + " is truncated or not 0.5-60 s long" + remedy);
            }
            float[][] planar = new float[1][(int) reader.frames()];
            int done = 0;
            while (done < planar[0].length) {
                float[][] chunk = new float[1][Math.min(65536, planar[0].length - done)];
                int n = reader.read(chunk, chunk[0].length);
                if (n <= 0) {
                    throw new IOException(file + " ended early" + remedy);
                }
                System.arraycopy(chunk[0], 0, planar[0], done, n);
                done += n;
            }
            return planar[0];
        }
    }
}
