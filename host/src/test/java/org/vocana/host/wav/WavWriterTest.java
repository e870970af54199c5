/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavWriterTest {

    @TempDir
    Path dir;

    @Test
    void pcm16StereoHasTheCanonical44ByteHeader() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(44100, 2, WavEncoding.PCM_16))) {
            w.write(new float[][] {{0.5f, -1f}, {1f / 32768, 2f}}, 2);
            w.commit();
        }
        byte[] expected = WavBytes.wave()
                .chunk("fmt ", WavBytes.fmtPcm(2, 44100, 16))
                .chunk("data", WavBytes.pcm16(16384, 1, -32768, 32767))
                .build();
        assertArrayEquals(expected, Files.readAllBytes(out));
    }

    @Test
    void floatMonoHasIeeeFloatFormatAndFactChunk() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(48000, 1, WavEncoding.FLOAT_32))) {
            w.write(new float[][] {{0.25f, Float.NaN, 3f}}, 3);
            w.commit();
        }
        byte[] expected = WavBytes.wave()
                .chunk("fmt ", WavBytes.fmtFloat(1, 48000, 32))
                .chunk("fact", new WavBytes().u32(3).raw())
                .chunk("data", WavBytes.float32(0.25f, Float.NaN, 3f))
                .build();
        assertArrayEquals(expected, Files.readAllBytes(out));
    }

    @Test
    void moreThanTwoChannelsOrMoreThan16BitsUseExtensible() throws IOException {
        record Case(WavFormat format, int mask, int subformat, boolean fact) { }
        List<Case> cases = List.of(
                new Case(new WavFormat(44100, 1, WavEncoding.PCM_24), 0x4, WavBytes.PCM, false),
                new Case(new WavFormat(44100, 2, WavEncoding.PCM_32), 0x3, WavBytes.PCM, false),
                new Case(new WavFormat(44100, 3, WavEncoding.PCM_16), 0x7, WavBytes.PCM, false),
                new Case(new WavFormat(44100, 6, WavEncoding.PCM_24), 0x3F, WavBytes.PCM, false),
                new Case(new WavFormat(44100, 8, WavEncoding.FLOAT_32), 0x63F, WavBytes.FLOAT, true));
        for (Case k : cases) {
            WavFormat f = k.format();
            Path out = dir.resolve("ext.wav");
            try (WavWriter w = WavWriter.create(out, f)) {
                w.write(new float[f.channels()][3], 3);
                w.commit();
            }
            WavBytes b = WavBytes.wave().chunk("fmt ", WavBytes.fmtExtensible(f.channels(), f.sampleRate(),
                    f.encoding().bitsPerSample(), f.encoding().bitsPerSample(), k.mask(), k.subformat()));
            if (k.fact()) {
                b.chunk("fact", new WavBytes().u32(3).raw());
            }
            byte[] expected = b.chunk("data", new byte[3 * f.bytesPerFrame()]).build();
            assertArrayEquals(expected, Files.readAllBytes(out), f.toString());
        }
    }

    @Test
    void oddDataSizeGetsAPadByteCountedInTheRiffSize() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_24))) {
            w.write(new float[][] {{0f, 0.5f, -0.5f}}, 3);
            w.commit();
        }
        byte[] b = Files.readAllBytes(out);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(68 + 9 + 1, b.length);
        assertEquals(b.length - 8, le.getInt(4));
        assertEquals("data", new String(b, 60, 4, StandardCharsets.US_ASCII));
        assertEquals(9, le.getInt(64));
        assertEquals(0, b[b.length - 1]);
        try (WavReader r = WavReader.open(out)) {
            float[][] x = new float[1][3];
            assertEquals(3, r.read(x, 3));
            assertArrayEquals(new float[] {0f, 0.5f, -0.5f}, x[0]);
        }
    }

    @Test
    void integerConversionRoundsToNearestAndClamps() throws IOException {
        float s = 1f / 32768;
        float[] in = {1f, -1f, Float.NaN, 0.5f * s, 1.5f * s, 2.5f * s, -0.5f * s, -1.5f * s, 0.4f * s, 0.6f * s,
            -0.6f * s, 1.2f, -1.2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Math.nextDown(1f),
            32766.5f * s, -32767.5f * s};
        int[] want = {32767, -32768, 0, 0, 2, 2, 0, -2, 0, 1, -1, 32767, -32768, 32767, -32768, 32767, 32766,
            -32768};
        assertArrayEquals(want, writeAndReadInts(WavEncoding.PCM_16, in));

        float t = 1f / 8388608;
        assertArrayEquals(new int[] {8388607, -8388608, 0, 2, 8388606, -8388606},
                writeAndReadInts(WavEncoding.PCM_24,
                        new float[] {1f, -1f, Float.NaN, 2.5f * t, 8388606.5f * t, -8388606.5f * t}));
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 0x7FFFFF80, 1, Integer.MIN_VALUE},
                writeAndReadInts(WavEncoding.PCM_32,
                        new float[] {1f, -1f, Float.NaN, Math.nextDown(1f), 0x1p-31f, -3f}));
    }

    /** Writes mono samples, then decodes the data chunk from the file's bytes by hand. */
    private int[] writeAndReadInts(WavEncoding encoding, float[] in) throws IOException {
        Path out = dir.resolve("conv.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(44100, 1, encoding))) {
            w.write(new float[][] {in}, in.length);
            w.commit();
        }
        byte[] b = Files.readAllBytes(out);
        int bytes = encoding.bytesPerSample();
        int start = b.length - in.length * bytes - ((in.length * bytes) & 1);
        assertEquals("data", new String(b, start - 8, 4, StandardCharsets.US_ASCII));
        int[] v = new int[in.length];
        for (int i = 0; i < in.length; i++) {
            int x = 0;
            for (int k = 0; k < bytes; k++) {
                x |= (b[start + i * bytes + k] & 0xFF) << (8 * k);
            }
            v[i] = (x << (32 - 8 * bytes)) >> (32 - 8 * bytes);
        }
        return v;
    }

    @Test
    void nothingAppearsAtTheTargetBeforeCommit() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16))) {
            w.write(new float[][] {{0.1f, 0.2f}}, 2);
            assertFalse(Files.exists(out));
            List<Path> files = list();
            assertEquals(1, files.size());
            String temp = files.get(0).getFileName().toString();
            assertTrue(temp.startsWith(".out.wav.") && temp.endsWith(".tmp"), temp);
            w.commit();
            assertTrue(Files.exists(out));
            assertEquals(List.of(out), list(), "the temporary file is gone");
            assertEquals(2, w.frames());
        }
        assertEquals(List.of(out), list());
        try (WavReader r = WavReader.open(out)) {
            assertEquals(2, r.frames());
        }
    }

    @Test
    void closeWithoutCommitDeletesTheTemporaryFile() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 2, WavEncoding.FLOAT_32))) {
            w.write(new float[2][100], 100);
            assertEquals(1, list().size());
        }
        assertEquals(List.of(), list());
    }

    @Test
    void anExistingTargetIsReplacedOnlyAtCommit() throws IOException {
        Path out = dir.resolve("out.wav");
        Files.writeString(out, "old");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16))) {
            w.write(new float[1][10], 10);
        }
        assertEquals("old", Files.readString(out), "an abandoned writer leaves the target alone");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16))) {
            w.write(new float[1][10], 10);
            assertEquals("old", Files.readString(out));
            w.commit();
        }
        assertEquals(44 + 20, Files.size(out));
        assertEquals(List.of(out), list());
    }

    @Test
    void refusesToGrowPastTheSizeLimit() throws IOException {
        Path out = dir.resolve("big.wav");
        // 36 header bytes after "RIFF" and its size + 1000 data bytes: 500 mono 16-bit frames
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16), 36 + 1000)) {
            w.write(new float[1][400], 400);
            WavException e = assertThrows(WavException.class, () -> w.write(new float[1][101], 101));
            assertEquals(out + ": output too large; WAV files are limited to 4 GiB (at most 500 frames of 1 ch "
                    + "16-bit PCM)", e.getMessage());
            assertEquals(400, w.frames());
            w.write(new float[1][100], 100);
            w.commit();
        }
        assertEquals(44 + 1000, Files.size(out));
    }

    @Test
    void theSizeLimitCountsThePadByte() throws IOException {
        Path out = dir.resolve("big.wav");
        // 24-bit mono: 3 bytes a frame; 60 header bytes after "RIFF" and its size
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_24), 60 + 9)) {
            assertThrows(WavException.class, () -> w.write(new float[1][3], 3), "9 bytes + pad = 10 > 9");
            w.write(new float[1][2], 2);
            w.commit();
        }
        assertEquals(68 + 6, Files.size(out));
    }

    @Test
    void theRealLimitIsFourGibibytes() {
        assertEquals(0xFFFFFFFFL, WavWriter.RIFF_LIMIT);
    }

    @Test
    void missingDirectory() {
        Path out = dir.resolve("missing").resolve("out.wav");
        WavException e = assertThrows(WavException.class,
                () -> WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16)));
        assertEquals(out + ": directory " + dir.resolve("missing") + " does not exist", e.getMessage());
    }

    @Test
    void directoryAsTarget() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out.wav"));
        WavException e = assertThrows(WavException.class,
                () -> WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16)));
        assertEquals(out + ": is a directory; the output must be a regular file (it is replaced) or a path that does not exist",
                e.getMessage());
    }

    @Test
    void fileAsDirectory() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        Path out = file.resolve("out.wav");
        WavException e = assertThrows(WavException.class,
                () -> WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16)));
        assertEquals(out + ": " + file + " is not a directory", e.getMessage());
    }

    @Test
    void unwritableDirectory() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        try {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            assumeFalse(true, "no POSIX permissions here");
        }
        try {
            assumeFalse(Files.isWritable(locked), "running with privileges that ignore permissions");
            Path out = locked.resolve("out.wav");
            WavException e = assertThrows(WavException.class,
                    () -> WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16)));
            assertEquals(out + ": cannot write to directory " + locked + " (permission denied)", e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void writerIsSingleUse() throws IOException {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(8000, 1, WavEncoding.PCM_16))) {
            w.commit();
            assertThrows(IllegalStateException.class, () -> w.write(new float[1][1], 1));
            assertThrows(IllegalStateException.class, w::commit);
        }
        assertEquals(44, Files.size(out));
    }

    @Test
    void rejectsBuffersThatDoNotMatch() throws IOException {
        try (WavWriter w = WavWriter.create(dir.resolve("out.wav"), new WavFormat(8000, 2, WavEncoding.PCM_16))) {
            assertThrows(IllegalArgumentException.class, () -> w.write(new float[1][4], 4));
            assertThrows(IllegalArgumentException.class, () -> w.write(new float[2][3], 4));
            assertThrows(IllegalArgumentException.class, () -> w.write(new float[2][3], -1));
        }
    }

    private List<Path> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
