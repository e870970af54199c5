/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files give a WavException or are read consistently; nothing else, and never a hang. */
class WavFuzzTest {

    private static final int MUTATIONS = 2000;
    private static final long SEED = 0x5EED_2025L;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void mutatedFilesFailCleanly() throws IOException {
        List<byte[]> seeds = seeds();
        Random rnd = new Random(SEED);
        Path p = dir.resolve("fuzz.wav");
        int rejected = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] file = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            Files.write(p, file);
            try {
                readThrough(p, rnd);
            } catch (WavException e) {
                rejected++;
                String m = e.getMessage();
                assertTrue(m.startsWith(p + ": ") && !m.contains("\n") && !m.contains("\r"), m);
            } catch (IOException e) {
                rejected++;
            } catch (RuntimeException | Error e) {
                fail("mutation " + i + " (seed " + SEED + ", " + file.length + " bytes) threw " + e, e);
            }
        }
        assertTrue(rejected > MUTATIONS / 10 && rejected < MUTATIONS, "a mix of rejected and accepted files: "
                + rejected);
    }

    private static void readThrough(Path p, Random rnd) throws IOException {
        try (WavReader r = WavReader.open(p)) {
            long frames = r.frames();
            assertTrue(frames >= 0 && frames <= Files.size(p));
            int max = 1 + rnd.nextInt(5000);
            float[][] buf = new float[r.format().channels()][max];
            long total = 0;
            int n;
            while ((n = r.read(buf, max)) > 0) {
                assertTrue(n <= max);
                total += n;
                assertTrue(total <= frames);
            }
            assertEquals(frames, total);
            if (r.format().encoding() != WavEncoding.FLOAT_32) {
                for (float[] ch : buf) {
                    for (float x : ch) {
                        assertTrue(x >= -1f && x < 1f, "integer samples read into [-1, 1): " + x);
                    }
                }
            }
        }
    }

    private static byte[] mutate(byte[] original, Random rnd) {
        byte[] b = original.clone();
        int steps = 1 + rnd.nextInt(3);
        for (int s = 0; s < steps && b.length > 0; s++) {
            int header = Math.min(b.length, 100);
            switch (rnd.nextInt(5)) {
                case 0 -> { // flip bits, mostly in the header
                    int flips = 1 + rnd.nextInt(6);
                    for (int k = 0; k < flips; k++) {
                        int at = rnd.nextInt(4) == 0 ? rnd.nextInt(b.length) : rnd.nextInt(header);
                        b[at] ^= (byte) (1 + rnd.nextInt(255));
                    }
                }
                case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
                case 2 -> { // a huge or odd 32-bit value, aligned to 2 like every RIFF field
                    if (header >= 4) {
                        int at = 2 * rnd.nextInt((header - 2) / 2);
                        long[] values = {0xFFFFFFFFL, 0x80000000L, 0x7FFFFFFFL, 0xFFFFFFFEL, 0, 1, 3,
                            rnd.nextInt() & 0xFFFFFFFFL};
                        put32(b, at, values[rnd.nextInt(values.length)]);
                    }
                }
                case 3 -> { // a chunk size field (after an id found in the header) set to something huge
                    int at = sizeFieldAfterAnId(b, rnd);
                    if (at >= 0) {
                        put32(b, at, rnd.nextBoolean() ? 0xFFFFFFFFL : 0xFFFFFFF0L + rnd.nextInt(16));
                    }
                }
                default -> { // a random 16-bit field in the header
                    if (header >= 2) {
                        int at = rnd.nextInt(header - 1);
                        int[] values = {0, 1, 0xFFFF, 0xFFFE, 3, 8, rnd.nextInt(65536)};
                        int v = values[rnd.nextInt(values.length)];
                        b[at] = (byte) v;
                        b[at + 1] = (byte) (v >>> 8);
                    }
                }
            }
        }
        return b;
    }

    private static int sizeFieldAfterAnId(byte[] b, Random rnd) {
        List<Integer> fields = new ArrayList<>();
        for (int i = 0; i + 8 <= Math.min(b.length, 200); i++) {
            if (isId(b, i, "RIFF") || isId(b, i, "fmt ") || isId(b, i, "data") || isId(b, i, "LIST")
                    || isId(b, i, "fact") || isId(b, i, "JUNK")) {
                fields.add(i + 4);
            }
        }
        return fields.isEmpty() ? -1 : fields.get(rnd.nextInt(fields.size()));
    }

    private static boolean isId(byte[] b, int at, String id) {
        for (int k = 0; k < 4; k++) {
            if (b[at + k] != id.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static void put32(byte[] b, int at, long v) {
        for (int k = 0; k < 4 && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    /** Valid files of every layout the reader accepts: written by WavWriter and by hand. */
    private List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Random rnd = new Random(1);
        for (WavFormat f : List.of(new WavFormat(44100, 2, WavEncoding.PCM_16),
                new WavFormat(8000, 1, WavEncoding.PCM_24), new WavFormat(48000, 3, WavEncoding.PCM_32),
                new WavFormat(96000, 2, WavEncoding.FLOAT_32), new WavFormat(192000, 8, WavEncoding.FLOAT_32))) {
            Path p = dir.resolve("seed.wav");
            int frames = 1 + rnd.nextInt(60);
            try (WavWriter w = WavWriter.create(p, f)) {
                w.write(WavRoundTripTest.signal(f.channels(), frames, rnd), frames);
                w.commit();
            }
            seeds.add(Files.readAllBytes(p));
        }
        seeds.add(WavBytes.wave()
                .chunk("LIST", new WavBytes().ascii("INFOISFT").u32(5).ascii("sox\0\0").raw())
                .chunk("fmt ", WavBytes.fmtExtensible(2, 48000, 24, 20, 3, WavBytes.PCM))
                .chunk("JUNK", new byte[7])
                .chunk("data", WavBytes.pcm24(1, 2, 3, 4, 5, 6, 7, 8, 9))
                .chunk("LIST", new byte[3])
                .build());
        seeds.add(WavBytes.wave()
                .chunk("fmt ", WavBytes.fmtPcm(1, 22050, 16))
                .chunkHeader("data", 0xFFFFFFFFL).bytes(WavBytes.pcm16(1, -2, 3, -4, 5))
                .raw());
        for (byte[] s : seeds) {
            Path p = WavBytes.write(dir, "check.wav", s);
            try (WavReader r = WavReader.open(p)) {
                assertFalse(r.truncated(), "seeds are valid");
            }
        }
        return seeds;
    }
}
