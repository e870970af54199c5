/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vocana.host.wav.WavBytes.float32;
import static org.vocana.host.wav.WavBytes.fmtExtensible;
import static org.vocana.host.wav.WavBytes.fmtFloat;
import static org.vocana.host.wav.WavBytes.fmtPcm;
import static org.vocana.host.wav.WavBytes.pcm16;
import static org.vocana.host.wav.WavBytes.pcm24;
import static org.vocana.host.wav.WavBytes.pcm32;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of hand-made files and reading of their samples. */
class WavReaderTest {

    @TempDir
    Path dir;

    @Test
    void pcm16Stereo() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(2, 44100, 16))
                .chunk("data", pcm16(0, -32768, 16384, 32767, -1, 1))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(new WavFormat(44100, 2, WavEncoding.PCM_16), r.format());
            assertEquals(3, r.frames());
            assertFalse(r.truncated());
            float[][] x = readAll(r, 2, 3);
            assertArrayEquals(new float[] {0f, 0.5f, -1f / 32768}, x[0]);
            assertArrayEquals(new float[] {-1f, 32767f / 32768, 1f / 32768}, x[1]);
        }
    }

    @Test
    void pcm24Extensible() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtExtensible(3, 96000, 24, 24, 0x7, WavBytes.PCM))
                .chunk("data", pcm24(0x7FFFFF, -0x800000, 1, -1, 0x400000, 0))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(new WavFormat(96000, 3, WavEncoding.PCM_24), r.format());
            assertEquals(2, r.frames());
            float[][] x = readAll(r, 3, 2);
            assertArrayEquals(new float[] {8388607f / 8388608, -1f / 8388608}, x[0]);
            assertArrayEquals(new float[] {-1f, 0.5f}, x[1]);
            assertArrayEquals(new float[] {1f / 8388608, 0f}, x[2]);
        }
    }

    @Test
    void twentyValidBitsInA24BitContainerReadAs24Bit() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtExtensible(1, 48000, 24, 20, 0x4, WavBytes.PCM))
                .chunk("data", pcm24(0x123450, -0x10))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(WavEncoding.PCM_24, r.format().encoding());
            assertArrayEquals(new float[] {0x123450 / 8388608f, -16f / 8388608}, readAll(r, 1, 2)[0]);
        }
    }

    @Test
    void pcm32ConvertsIntoMinusOneToBelowOne() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(1, 8000, 32))
                .chunk("data", pcm32(Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 1, 0x7FFFFF80))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(WavEncoding.PCM_32, r.format().encoding());
            float[] x = readAll(r, 1, 5)[0];
            assertEquals(Math.nextDown(1f), x[0]);
            assertEquals(-1f, x[1]);
            assertEquals(0.5f, x[2]);
            assertEquals(0x1p-31f, x[3]);
            assertEquals(1f - 0x1p-24f, x[4]);
        }
    }

    @Test
    void floatWithFactChunk() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtFloat(1, 48000, 32))
                .chunk("fact", new WavBytes().u32(4).raw())
                .chunk("data", float32(0.25f, -1.5f, 1e-30f, -0f))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(new WavFormat(48000, 1, WavEncoding.FLOAT_32), r.format());
            assertEquals(4, r.frames());
            float[] x = readAll(r, 1, 4)[0];
            assertArrayEquals(new float[] {0.25f, -1.5f, 1e-30f, -0f}, x);
        }
    }

    @Test
    void floatExtensible() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtExtensible(2, 22050, 32, 32, 0x3, WavBytes.FLOAT))
                .chunk("fact", new WavBytes().u32(1).raw())
                .chunk("data", float32(0.125f, -0.75f))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(new WavFormat(22050, 2, WavEncoding.FLOAT_32), r.format());
            float[][] x = readAll(r, 2, 1);
            assertEquals(0.125f, x[0][0]);
            assertEquals(-0.75f, x[1][0]);
        }
    }

    @Test
    void listChunkBeforeFmtIsSkipped() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("LIST", new WavBytes().ascii("INFOISFT").u32(6).ascii("Lavf5\0").raw())
                .chunk("fmt ", fmtPcm(1, 16000, 16))
                .chunk("data", pcm16(100, -200))
                .build();
        try (WavReader r = open(file)) {
            assertEquals(new WavFormat(16000, 1, WavEncoding.PCM_16), r.format());
            assertArrayEquals(new float[] {100f / 32768, -200f / 32768}, readAll(r, 1, 2)[0]);
        }
    }

    @Test
    void oddSizedChunksAreFollowedByAPadByte() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("JUNK", new byte[] {1, 2, 3})
                .chunk("fmt ", fmtPcm(1, 44100, 16))
                .chunk("bext", new byte[] {9})
                .chunk("data", pcm16(7, 8))
                .build();
        // the pad bytes are really there: 12 + (8+3+1) + (8+16) + (8+1+1) + (8+4)
        assertEquals(70, file.length);
        try (WavReader r = open(file)) {
            assertArrayEquals(new float[] {7f / 32768, 8f / 32768}, readAll(r, 1, 2)[0]);
        }
    }

    @Test
    void oddSizedDataChunkWithPadAndChunksAfterIt() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(1, 44100, 24))
                .chunk("data", pcm24(1, 2, 3))
                .chunk("LIST", new WavBytes().ascii("INFO").raw())
                .build();
        try (WavReader r = open(file)) {
            assertEquals(3, r.frames());
            assertFalse(r.truncated());
            assertArrayEquals(new float[] {1f / 8388608, 2f / 8388608, 3f / 8388608}, readAll(r, 1, 3)[0]);
        }
    }

    @Test
    void dataSizeAllOnesMeansUntilTheEndOfTheFile() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(2, 44100, 16))
                .chunkHeader("data", 0xFFFFFFFFL).bytes(pcm16(1, 2, 3, 4, 5))
                .raw();
        try (WavReader r = open(file)) {
            assertEquals(2, r.frames(), "whole frames only");
            assertFalse(r.truncated());
            float[][] x = readAll(r, 2, 2);
            assertArrayEquals(new float[] {1f / 32768, 3f / 32768}, x[0]);
            assertArrayEquals(new float[] {2f / 32768, 4f / 32768}, x[1]);
        }
    }

    @Test
    void dataSizeZeroMeansUntilTheEndOfTheFile() throws IOException {
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(1, 44100, 16))
                .chunkHeader("data", 0).bytes(pcm16(1, 2, 3))
                .raw();
        try (WavReader r = open(file)) {
            assertEquals(3, r.frames());
            assertFalse(r.truncated());
        }
    }

    @Test
    void emptyDataChunk() throws IOException {
        byte[] file = WavBytes.wave().chunk("fmt ", fmtPcm(1, 44100, 16)).chunkHeader("data", 0).build();
        try (WavReader r = open(file)) {
            assertEquals(0, r.frames());
            assertEquals(0, r.read(new float[1][4], 4));
        }
    }

    @Test
    void truncatedDataChunkReadsTheWholeFramesPresent() throws IOException {
        int[] samples = new int[2 * 37 + 1];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = i * 100 - 3000;
        }
        byte[] file = WavBytes.wave()
                .chunk("fmt ", fmtPcm(2, 48000, 16))
                .chunkHeader("data", 400).bytes(pcm16(samples))
                .raw();
        try (WavReader r = open(file)) {
            assertTrue(r.truncated());
            assertEquals(37, r.frames());
            float[][] x = readAll(r, 2, 37);
            for (int i = 0; i < 37; i++) {
                assertEquals(samples[2 * i] / 32768f, x[0][i]);
                assertEquals(samples[2 * i + 1] / 32768f, x[1][i]);
            }
        }
    }

    @Test
    void dataChunkHeaderAtTheEndOfTheFileIsTruncatedToNothing() throws IOException {
        byte[] file = WavBytes.wave().chunk("fmt ", fmtPcm(1, 44100, 16)).chunkHeader("data", 1000).raw();
        try (WavReader r = open(file)) {
            assertTrue(r.truncated());
            assertEquals(0, r.frames());
            assertEquals(0, r.read(new float[1][8], 8));
        }
    }

    @Test
    void readsInPiecesAcrossTheInternalBuffer() throws IOException {
        int n = 10_000;
        int[] samples = new int[n];
        for (int i = 0; i < n; i++) {
            samples[i] = (i * 7919) % 65536 - 32768;
        }
        byte[] file = WavBytes.wave().chunk("fmt ", fmtPcm(1, 44100, 16)).chunk("data", pcm16(samples)).build();
        try (WavReader r = open(file)) {
            float[][] buf = new float[1][6000];
            assertEquals(6000, r.read(buf, 6000));
            assertEquals(samples[5999] / 32768f, buf[0][5999]);
            assertEquals(1, r.read(buf, 1));
            assertEquals(samples[6000] / 32768f, buf[0][0]);
            assertEquals(3999, r.read(buf, 6000));
            assertEquals(samples[9999] / 32768f, buf[0][3998]);
            assertEquals(0, r.read(buf, 6000));
            assertEquals(0, r.read(buf, 0));
        }
    }

    /** Reads everything into arrays of exactly {@code frames} samples, checking the count. */
    private static float[][] readAll(WavReader r, int channels, int frames) throws IOException {
        float[][] out = new float[channels][frames + 8];
        float[][] buf = new float[channels][3];
        int total = 0;
        int n;
        while ((n = r.read(buf, 3)) > 0) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(buf[c], 0, out[c], total, n);
            }
            total += n;
        }
        assertEquals(frames, total, "frames read");
        for (int c = 0; c < channels; c++) {
            out[c] = Arrays.copyOf(out[c], frames);
        }
        return out;
    }

    private WavReader open(byte[] file) throws IOException {
        return WavReader.open(WavBytes.write(dir, "in.wav", file));
    }
}
