/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds WAV files byte by byte for tests, independently of {@link WavWriter}. */
final class WavBytes {

    static final int PCM = 1;
    static final int FLOAT = 3;
    static final int EXTENSIBLE = 0xFFFE;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** "RIFF", a size patched by {@link #build()}, "WAVE". */
    static WavBytes wave() {
        return new WavBytes().ascii("RIFF").u32(0).ascii("WAVE");
    }

    /** Nothing yet: for headers that are not RIFF WAVE. */
    static WavBytes empty() {
        return new WavBytes();
    }

    WavBytes ascii(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    WavBytes u16(int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
        return this;
    }

    WavBytes u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    WavBytes bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** A chunk with its true size and a pad byte after an odd-sized body. */
    WavBytes chunk(String id, byte[] body) {
        ascii(id).u32(body.length).bytes(body);
        if ((body.length & 1) != 0) {
            out.write(0);
        }
        return this;
    }

    /** A chunk header declaring {@code size}; the caller adds what follows. */
    WavBytes chunkHeader(String id, long size) {
        return ascii(id).u32(size);
    }

    /** The bytes, with the RIFF size set to the length minus 8. */
    byte[] build() {
        byte[] b = out.toByteArray();
        if (b.length >= 8 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F') {
            long n = b.length - 8L;
            for (int i = 0; i < 4; i++) {
                b[4 + i] = (byte) (n >>> (8 * i));
            }
        }
        return b;
    }

    /** The bytes exactly as written, without patching the RIFF size. */
    byte[] raw() {
        return out.toByteArray();
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** A 16-byte 'fmt ' body with every field as given. */
    static byte[] fmt(int tag, int channels, long rate, long byteRate, int blockAlign, int bits) {
        return new WavBytes().u16(tag).u16(channels).u32(rate).u32(byteRate).u16(blockAlign).u16(bits).raw();
    }

    /** A consistent WAVE_FORMAT_PCM 'fmt ' body; the container is bits rounded up to bytes. */
    static byte[] fmtPcm(int channels, int rate, int bits) {
        int align = channels * ((bits + 7) / 8);
        return fmt(PCM, channels, rate, (long) rate * align, align, bits);
    }

    /** A consistent 18-byte WAVE_FORMAT_IEEE_FLOAT 'fmt ' body (cbSize 0). */
    static byte[] fmtFloat(int channels, int rate, int bits) {
        int align = channels * bits / 8;
        return new WavBytes().bytes(fmt(FLOAT, channels, rate, (long) rate * align, align, bits)).u16(0).raw();
    }

    /** A consistent 40-byte WAVE_FORMAT_EXTENSIBLE body whose subformat is the GUID of {@code subformat}. */
    static byte[] fmtExtensible(int channels, int rate, int containerBits, int validBits, int mask, int subformat) {
        int align = channels * containerBits / 8;
        return new WavBytes().bytes(fmt(EXTENSIBLE, channels, rate, (long) rate * align, align, containerBits))
                .u16(22).u16(validBits).u32(mask).u32(subformat)
                .bytes(new byte[] {0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38,
                    (byte) 0x9B, 0x71})
                .raw();
    }

    static byte[] pcm16(int... samples) {
        WavBytes w = new WavBytes();
        for (int s : samples) {
            w.u16(s);
        }
        return w.raw();
    }

    static byte[] pcm24(int... samples) {
        WavBytes w = new WavBytes();
        for (int s : samples) {
            w.out.write(s & 0xFF);
            w.out.write((s >>> 8) & 0xFF);
            w.out.write((s >>> 16) & 0xFF);
        }
        return w.raw();
    }

    static byte[] pcm32(int... samples) {
        WavBytes w = new WavBytes();
        for (int s : samples) {
            w.u32(s);
        }
        return w.raw();
    }

    static byte[] float32(float... samples) {
        WavBytes w = new WavBytes();
        for (float s : samples) {
            w.u32(Float.floatToRawIntBits(s));
        }
        return w.raw();
    }
}
