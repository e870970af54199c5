/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every encoding, channel count and rate: what is read back is exactly the quantized input. */
class WavRoundTripTest {

    private static final int FRAMES = 4500; // more than the reader's and writer's buffers

    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> roundTrips() {
        List<DynamicTest> tests = new ArrayList<>();
        for (WavEncoding encoding : WavEncoding.values()) {
            for (int channels : new int[] {1, 2, 8}) {
                for (int rate : new int[] {8000, 44100, 192000}) {
                    WavFormat format = new WavFormat(rate, channels, encoding);
                    tests.add(DynamicTest.dynamicTest(encoding + " " + channels + " ch " + rate + " Hz",
                            () -> roundTrip(format)));
                }
            }
        }
        return tests;
    }

    private void roundTrip(WavFormat format) throws IOException {
        int channels = format.channels();
        float[][] signal = signal(channels, FRAMES, new Random(format.hashCode()));
        Path out = dir.resolve(format.encoding() + "-" + channels + "-" + format.sampleRate() + ".wav");
        try (WavWriter w = WavWriter.create(out, format)) {
            int done = 0;
            int[] blocks = {1, 999, 3, 4097, 128};
            for (int b = 0; done < FRAMES; b++) {
                int n = Math.min(blocks[b % blocks.length], FRAMES - done);
                float[][] block = new float[channels][n];
                for (int c = 0; c < channels; c++) {
                    System.arraycopy(signal[c], done, block[c], 0, n);
                }
                w.write(block, n);
                done += n;
            }
            w.commit();
        }
        try (WavReader r = WavReader.open(out)) {
            assertEquals(format, r.format());
            assertEquals(FRAMES, r.frames());
            assertFalse(r.truncated());
            float[][] buf = new float[channels][1000];
            int at = 0;
            int n;
            while ((n = r.read(buf, 1000)) > 0) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < n; i++) {
                        float x = signal[c][at + i];
                        float want = expected(format.encoding(), x);
                        float got = buf[c][i];
                        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) {
                            assertEquals(want, got, "channel " + c + " frame " + (at + i) + " input " + x);
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                                    "channel " + c + " frame " + (at + i) + " input " + x + " (bits)");
                        }
                    }
                }
                at += n;
            }
            assertEquals(FRAMES, at);
        }
        long dataBytes = (long) FRAMES * format.bytesPerFrame();
        assertEquals(dataBytes, Files.size(out) - headerSize(format) - (dataBytes & 1));
    }

    private static int headerSize(WavFormat f) {
        boolean small = f.channels() <= 2;
        boolean isFloat = f.encoding() == WavEncoding.FLOAT_32;
        int fmt = small && f.encoding() == WavEncoding.PCM_16 ? 16 : small && isFloat ? 18 : 40;
        return 12 + 8 + fmt + (isFloat ? 12 : 0) + 8;
    }

    /** Edge values, exact rounding ties and random values in and beyond [-1, 1]. */
    static float[][] signal(int channels, int frames, Random rnd) {
        float[] special = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, -1.5f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Math.nextDown(1f), Math.nextUp(-1f), Float.MIN_VALUE, Float.MAX_VALUE,
            -Float.MAX_VALUE, 1e-10f, 0.5f / 32768, 1.5f / 32768, 2.5f / 32768, -0.5f / 32768, -1.5f / 32768,
            0.5f / 8388608, 1.5f / 8388608, -2.5f / 8388608, 32767.5f / 32768, -32768.5f / 32768,
            (float) (8388607.5 / 8388608)};
        float[][] s = new float[channels][frames];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < frames; i++) {
                int k = i + 7 * c;
                if (k % 5 == 0) {
                    s[c][i] = special[(k / 5) % special.length];
                } else if (k % 5 == 1) {
                    s[c][i] = (rnd.nextInt(65536) - 32768 + (rnd.nextBoolean() ? 0.5f : 0.25f)) / 32768;
                } else {
                    s[c][i] = rnd.nextFloat() * 2.4f - 1.2f;
                }
            }
        }
        return s;
    }

    /**
     * What reading back gives for {@code x}: for integers, x * 2^(bits-1) rounded half to even
     * and clamped (NaN as 0), divided by 2^(bits-1) and kept below 1; floats unchanged.
     */
    static float expected(WavEncoding encoding, float x) {
        if (encoding == WavEncoding.FLOAT_32) {
            return x;
        }
        int bits = encoding.bitsPerSample();
        BigInteger full = BigInteger.ONE.shiftLeft(bits - 1);
        BigInteger max = full.subtract(BigInteger.ONE);
        BigInteger min = full.negate();
        BigInteger q;
        if (Float.isNaN(x)) {
            q = BigInteger.ZERO;
        } else if (Float.isInfinite(x)) {
            q = x > 0 ? max : min;
        } else {
            q = new BigDecimal(x).multiply(new BigDecimal(full)).setScale(0, RoundingMode.HALF_EVEN)
                    .toBigIntegerExact();
            q = q.max(min).min(max);
        }
        float f = new BigDecimal(q).divide(new BigDecimal(full)).floatValue();
        return f >= 1f ? Math.nextDown(1f) : f;
    }
}
