/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.sdk.testing.AllocationMeter;

/**
 * The sample boundary: NaN, infinities and magnitudes beyond 2^24 become silence, everything else
 * passes bit for bit; the "to host" reader applies it to what the device side wrote and the "from
 * host" writer to what the host writes, each counting its own direction; no path allocates.
 */
class SampleGuardTest {

    @TempDir
    Path tmp;

    @Test
    void badSamplesBecomeSilenceAndGoodOnesPassBitForBit() {
        float[] good = {0f, -0f, 1f, -1f, 16_777_216f, -16_777_216f, Float.MIN_VALUE, -Float.MIN_NORMAL, 0.25f, 16_777_215f};
        float[] bad = {Float.NaN, Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Math.nextUp(16_777_216f), -2e7f, Float.MAX_VALUE, -1e30f};
        SampleGuard g = new SampleGuard();
        float[] copy = good.clone();
        assertEquals(0, g.clean(new float[][] {copy}, 1, 0, copy.length));
        for (int i = 0; i < good.length; i++) {
            assertEquals(Float.floatToRawIntBits(good[i]), Float.floatToRawIntBits(copy[i]), "kept as is: " + good[i]);
        }
        assertEquals(0, g.replaced());
        assertEquals(-1, SampleGuard.firstBad(good, 0, good.length));

        float[] mixed = new float[good.length + bad.length];
        for (int i = 0; i < bad.length; i++) {
            mixed[2 * i] = bad[i];
            mixed[2 * i + 1] = good[i];
        }
        assertEquals(0, SampleGuard.firstBad(mixed, 0, mixed.length));
        assertEquals(2, SampleGuard.firstBad(mixed, 1, mixed.length));
        assertEquals(bad.length, g.clean(new float[][] {mixed}, 1, 0, mixed.length));
        for (int i = 0; i < bad.length; i++) {
            assertEquals(0, Float.floatToRawIntBits(mixed[2 * i]), "replaced by +0: " + bad[i]);
            assertEquals(Float.floatToRawIntBits(good[i]), Float.floatToRawIntBits(mixed[2 * i + 1]));
        }
        assertEquals(8, g.replaced());
        assertEquals(2, g.nan());
        assertEquals(2, g.infinite());
        assertEquals(4, g.huge());
        assertEquals(1, g.blocks());
        assertEquals("8 samples (NaN 2, infinite 2, beyond +-2^24 4)", SampleGuard.describe(2, 2, 4));
        assertEquals("1 sample (NaN 1)", SampleGuard.describe(1, 0, 0));
    }

    @Test
    void theToHostReaderReplacesWhatTheDeviceSideWroteAndCountsIt() throws Exception {
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "guard", "", 48000, 2, 512, 5);
             DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            float[] inter = new float[2 * 128];
            for (int f = 0; f < 128; f++) {
                inter[2 * f] = f / 256f;
                inter[2 * f + 1] = -f / 256f;
            }
            inter[2 * 10] = Float.NaN;
            inter[2 * 20 + 1] = Float.POSITIVE_INFINITY;
            inter[2 * 30] = 3e7f;
            assertEquals(128, dev.write(inter, 128));
            float[][] planar = new float[2][128];
            assertEquals(128, in.read(planar, 128));
            for (int f = 0; f < 128; f++) {
                assertEquals(f == 10 || f == 30 ? 0f : f / 256f, planar[0][f], "left frame " + f);
                assertEquals(f == 20 ? 0f : -f / 256f, planar[1][f], "right frame " + f);
            }
            assertEquals(3, in.guard().replaced());
            assertEquals(1, in.guard().nan());
            assertEquals(1, in.guard().infinite());
            assertEquals(1, in.guard().huge());
            // mono copies straight into the caller's array: checked there too
        }
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "mono", "", 48000, 1, 512, 6);
             DeviceSide dev = DeviceSide.attach(r.file())) {
            float[] inter = new float[64];
            Arrays.fill(inter, Float.NaN);
            dev.write(inter, 64);
            float[][] planar = new float[1][64];
            ToHostReader in = r.toHostReader();
            assertEquals(64, in.read(planar, 64));
            assertArrayEquals(new float[64], planar[0]);
            assertEquals(64, in.guard().nan());
        }
    }

    @Test
    void theFromHostWriterNeverHandsABadSampleToTheDeviceSide() throws Exception {
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "out", "", 48000, 2, 512, 7);
             DeviceSide dev = DeviceSide.attach(r.file())) {
            FromHostWriter out = r.fromHostWriter();
            float[][] planar = {{0.5f, Float.NaN, 0.25f}, {Float.NEGATIVE_INFINITY, -0.5f, 2e9f}};
            assertEquals(3, out.write(planar, 3));
            float[] inter = new float[6];
            assertEquals(3, dev.read(inter, 3));
            assertArrayEquals(new float[] {0.5f, 0f, 0f, -0.5f, 0.25f, 0f}, inter);
            assertEquals(3, out.guard().replaced());
        }
    }

    @Test
    void theBoundaryAllocatesNothingEvenWhenEveryBlockHoldsBadSamples() throws Exception {
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "alloc", "", 48000, 2, 512, 8);
             DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            float[][] planar = new float[2][128];
            float[] inter = new float[2 * 128];
            float[] kinds = {Float.NaN, Float.POSITIVE_INFINITY, -3e8f, 0.5f};
            long bytes = AllocationMeter.steadyStateBytes(10_000, call -> {
                int n = 1 + call % 128;
                inter[(call * 7) % (2 * n)] = kinds[call & 3];
                dev.write(inter, n);
                in.read(planar, n);
                planar[1][call % n] = Float.NaN;
                out.write(planar, n);
                dev.read(inter, n);
            });
            assertEquals(0, bytes, "bytes allocated in steady state with bad samples in the blocks");
            assertTrue(in.guard().replaced() > 30_000, "replaced " + in.guard().replaced());
            assertTrue(out.guard().replaced() > 30_000, "replaced " + out.guard().replaced());
        }
    }
}
