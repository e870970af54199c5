/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vocana.host.ring.RegionLayout.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ring semantics with Java on both sides: the host endpoints against {@link DeviceSide}, which
 * follows ring.c on its own mapping of the same file.
 */
class RingTest {

    @TempDir
    Path tmp;

    /** A region with 4096-frame rings (8 kHz, 1-frame IO: 4 + 4000 frames, rounded up). */
    DeviceRegion region(int channels, long start) throws RegionException {
        return DeviceRegion.create(tmp.resolve("vocana"), "dev", "Test", 8000, channels, 1, 0x5eed, start, null);
    }

    /** Sample value of frame f, channel c of a stream (distinct, exact in float32). */
    static float value(long f, int c, int channels) {
        return 1 + (float) Math.floorMod(f * channels + c, 16777215L);
    }

    @ParameterizedTest(name = "{0} channels, start {1}")
    @CsvSource({
        "1, 0", "2, 0", "3, 0", "8, 0", "32, 0",
        "2, 9223372036854775707", // 2^63 - 101: crosses into the negative (signed) range
        "2, -100", // 2^64 - 100: wraps past 2^64 to small values
        "1, -1", "5, -1021"})
    void everySampleArrivesInOrderBothWays(int channels, long start) throws Exception {
        try (DeviceRegion r = region(channels, start); DeviceSide dev = DeviceSide.attach(r.file())) {
            int cap = r.capacityFrames();
            assertEquals(4096, cap);
            assertEquals(start, dev.writePosition());
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            assertEquals(start, in.position());
            assertEquals(start, out.position());
            SplittableRandom rnd = new SplittableRandom(channels * 31L + start);
            float[] inter = new float[cap * 2 * channels];
            float[][] planar = new float[channels][cap * 2];
            long devSent = 0, hostGot = 0, hostSent = 0, devGot = 0;
            for (int iter = 0; iter < 4000; iter++) {
                // device -> host
                int n = rnd.nextInt(0, cap + 200);
                for (int f = 0; f < n; f++) {
                    for (int c = 0; c < channels; c++) {
                        inter[f * channels + c] = value(devSent + f, c, channels);
                    }
                }
                int w = dev.write(inter, n);
                assertEquals(Math.min(n, cap - (int) (devSent - hostGot)), w);
                devSent += w;
                int m = rnd.nextInt(0, cap + 200);
                int avail = in.available();
                assertEquals(devSent - hostGot, avail);
                int got = in.read(planar, m);
                assertEquals(Math.min(m, avail), got);
                for (int f = 0; f < got; f++) {
                    for (int c = 0; c < channels; c++) {
                        if (planar[c][f] != value(hostGot + f, c, channels)) {
                            fail("to host frame " + (hostGot + f) + " channel " + c + ": " + planar[c][f]);
                        }
                    }
                }
                for (int c = 0; c < channels; c++) {
                    for (int f = got; f < m; f++) {
                        assertEquals(0f, planar[c][f]);
                    }
                }
                hostGot += got;
                // host -> device
                n = rnd.nextInt(0, cap + 200);
                for (int c = 0; c < channels; c++) {
                    for (int f = 0; f < n; f++) {
                        planar[c][f] = value(hostSent + f, c, channels);
                    }
                }
                int space = out.space();
                w = out.write(planar, n);
                assertEquals(Math.min(n, space), w);
                hostSent += w;
                m = rnd.nextInt(0, cap + 200);
                got = dev.read(inter, m);
                for (int f = 0; f < got; f++) {
                    for (int c = 0; c < channels; c++) {
                        if (inter[f * channels + c] != value(devGot + f, c, channels)) {
                            fail("from host frame " + (devGot + f) + " channel " + c + ": " + inter[f * channels + c]);
                        }
                    }
                }
                devGot += got;
            }
            assertTrue(hostGot > 100 * cap && devGot > 100 * cap, hostGot + " / " + devGot);
            assertEquals(start + hostGot, in.position());
            assertEquals(start + hostSent, out.position());
            // the positions are published for the peer
            MemorySegment m = dev.segment();
            assertEquals(start + hostGot, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_READ_POS));
            assertEquals(start + hostSent, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_WRITE_POS));
            assertEquals(0, in.faults() + out.faults() + dev.producerFaults + dev.consumerFaults);
        }
    }

    @Test
    void aFullRingDropsTheNewestFramesAndCountsOneOverrun() throws Exception {
        try (DeviceRegion r = region(2, -3); DeviceSide dev = DeviceSide.attach(r.file())) {
            FromHostWriter out = r.fromHostWriter();
            float[][] planar = new float[2][4200];
            for (int f = 0; f < 4200; f++) {
                planar[0][f] = f + 1;
                planar[1][f] = -(f + 1);
            }
            assertEquals(4072, out.write(planar, 4072));
            assertEquals(0, out.overruns());
            // 24 frames fit; the 76 newest of the next 100 are dropped
            float[][] next = new float[2][100];
            for (int f = 0; f < 100; f++) {
                next[0][f] = 4073 + f;
                next[1][f] = -(4073 + f);
            }
            assertEquals(24, out.write(next, 100));
            assertEquals(1, out.overruns());
            assertEquals(76, out.overrunFrames());
            assertEquals(0, out.space());
            assertEquals(0, out.write(next, 10));
            assertEquals(2, out.overruns());
            assertEquals(86, out.overrunFrames());
            MemorySegment m = dev.segment();
            assertEquals(2, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_OVERRUNS), "published for the device");
            assertEquals(86, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_OVERRUN_FRAMES));
            // the device reads the 4096 oldest frames intact
            float[] inter = new float[2 * 4096];
            assertEquals(4096, dev.read(inter, 4096));
            for (int f = 0; f < 4096; f++) {
                assertEquals(f + 1, inter[2 * f]);
                assertEquals(-(f + 1), inter[2 * f + 1]);
            }
            assertEquals(0, out.faults());
            // silence writes follow the same policy
            assertEquals(4096, out.writeSilence(4102));
            assertEquals(3, out.overruns());
            assertEquals(92, out.overrunFrames());
        }
    }

    @Test
    void anEmptyRingGivesSilenceAndCountsOneUnderrun() throws Exception {
        try (DeviceRegion r = region(2, Long.MAX_VALUE); DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            float[][] planar = new float[2][128];
            for (float[] p : planar) {
                Arrays.fill(p, Float.NaN);
            }
            assertEquals(0, in.read(planar, 128));
            for (float[] p : planar) {
                assertArrayEquals(new float[128], p);
            }
            assertEquals(1, in.underruns());
            assertEquals(128, in.underrunFrames());
            // a short ring: 50 frames of data, 78 of silence
            float[] inter = new float[2 * 50];
            Arrays.fill(inter, 0.5f);
            assertEquals(50, dev.write(inter, 50));
            for (float[] p : planar) {
                Arrays.fill(p, Float.NaN);
            }
            assertEquals(50, in.read(planar, 128));
            for (float[] p : planar) {
                for (int f = 0; f < 128; f++) {
                    assertEquals(f < 50 ? 0.5f : 0f, p[f]);
                }
            }
            assertEquals(2, in.underruns());
            assertEquals(128 + 78, in.underrunFrames());
            MemorySegment m = dev.segment();
            assertEquals(2, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_UNDERRUNS));
            assertEquals(206, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_UNDERRUN_FRAMES));
            // zero frames: nothing happens, nothing is counted
            assertEquals(0, in.read(planar, 0));
            assertEquals(2, in.underruns());
            // the arrays beyond the requested frames are never touched
            float[][] big = {new float[200], new float[200]};
            Arrays.fill(big[0], 7f);
            Arrays.fill(big[1], 7f);
            assertEquals(0, in.read(big, 100));
            assertEquals(0f, big[0][99]);
            assertEquals(7f, big[0][100]);
            assertEquals(7f, big[1][199]);
        }
    }

    @Test
    void implausiblePeerPositionsAreCountedAndResynchronised() throws Exception {
        try (DeviceRegion r = region(2, 0); DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            MemorySegment m = dev.segment();
            float[][] planar = new float[2][4096];
            // write_pos more than a capacity ahead of the host's read position
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_WRITE_POS, 4097);
            assertEquals(0, in.read(planar, 64));
            assertEquals(1, in.faults());
            assertEquals(4097, in.position(), "resynchronised to the peer");
            assertEquals(4097, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_READ_POS));
            assertEquals(1, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_CONSUMER_FAULTS));
            assertEquals(1, in.underruns(), "and the block is silence, counted as an underrun");
            // write_pos "behind" the reader
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_WRITE_POS, 1000);
            assertEquals(0, in.available());
            assertEquals(2, in.faults());
            assertEquals(1000, in.position());
            // exactly a capacity ahead is plausible (a full ring): no fault, whatever the data is
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_WRITE_POS, 1000 + 4096);
            assertEquals(4096, in.read(planar, 4096));
            assertEquals(2, in.faults());

            // read_pos ahead of the host's write position
            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_READ_POS, 5);
            assertEquals(4096, out.space());
            assertEquals(1, out.faults());
            assertEquals(5, out.position());
            assertEquals(5, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_WRITE_POS));
            // read_pos more than a capacity behind
            assertEquals(4096, out.write(planar, 4096));
            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_READ_POS, 4);
            assertEquals(100, out.write(planar, 100));
            assertEquals(2, out.faults());
            assertEquals(104, out.position());
            assertEquals(2, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_PRODUCER_FAULTS));
        }
    }

    @Test
    void theHostNeverReadsItsOwnSharedFieldsBack() throws Exception {
        try (DeviceRegion r = region(1, 0); DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            MemorySegment m = dev.segment();
            float[] x = {1, 2, 3};
            assertEquals(3, dev.write(x, 3));
            // garbage in the fields the host owns (the device would read them; the host must not),
            // and in the header geometry
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_READ_POS, 0xdeadbeefL);
            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_WRITE_POS, -77);
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_UNDERRUNS, 999);
            m.set(ValueLayout.JAVA_INT, OFF_CAPACITY, 1 << 30);
            m.set(ValueLayout.JAVA_INT, OFF_CHANNELS, 32);
            float[][] p = new float[1][3];
            assertEquals(3, in.read(p, 3));
            assertArrayEquals(x, p[0]);
            assertEquals(3, m.get(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_READ_POS), "re-published from the private copy");
            assertEquals(0, in.underruns());
            assertEquals(2, out.write(new float[][] {{4, 5}}, 2));
            assertEquals(2, m.get(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_WRITE_POS));
            assertEquals(0, in.faults() + out.faults());
        }
    }

    /** Garbage in the peer's positions at random moments: never an exception, never out of bounds. */
    @Test
    void hostilePositionsNeverThrowAndAreAlwaysCounted() throws Exception {
        for (int channels : new int[] {1, 2, 7}) {
            try (DeviceRegion r = region(channels, 0); DeviceSide dev = DeviceSide.attach(r.file())) {
                ToHostReader in = r.toHostReader();
                FromHostWriter out = r.fromHostWriter();
                MemorySegment m = dev.segment();
                int cap = r.capacityFrames();
                SplittableRandom rnd = new SplittableRandom(channels);
                float[][] planar = new float[channels][cap + 300];
                float[] inter = new float[(cap + 300) * channels];
                long expectedInFaults = 0, expectedOutFaults = 0;
                for (int i = 0; i < 200_000; i++) {
                    switch (rnd.nextInt(6)) {
                        case 0 -> {
                            long v = hostile(rnd, in.position(), cap);
                            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_WRITE_POS, v);
                            if (Long.compareUnsigned(v - in.position(), cap) > 0) {
                                expectedInFaults++;
                            }
                            int frames = rnd.nextInt(1, cap + 300);
                            int got = in.read(planar, frames);
                            assertTrue(got >= 0 && got <= frames && got <= cap);
                        }
                        case 1 -> {
                            long v = hostile(rnd, out.position(), cap);
                            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_READ_POS, v);
                            if (Long.compareUnsigned(out.position() - v, cap) > 0) {
                                expectedOutFaults++;
                            }
                            int frames = rnd.nextInt(1, cap + 300);
                            int w = out.write(planar, frames);
                            assertTrue(w >= 0 && w <= frames && w <= cap);
                        }
                        case 2 -> dev.write(inter, rnd.nextInt(0, cap + 300));
                        case 3 -> dev.read(inter, rnd.nextInt(0, cap + 300));
                        case 4 -> in.read(planar, rnd.nextInt(1, cap + 300));
                        default -> out.write(planar, rnd.nextInt(1, cap + 300));
                    }
                    // a consistent device keeps its own positions; resync it when the test broke them
                    if (rnd.nextInt(50) == 0) {
                        m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_WRITE_POS, dev.writePosition());
                    }
                }
                assertTrue(expectedInFaults > 10_000 && expectedOutFaults > 10_000);
                assertTrue(in.faults() >= expectedInFaults, in.faults() + " < " + expectedInFaults);
                assertTrue(out.faults() >= expectedOutFaults, out.faults() + " < " + expectedOutFaults);
            }
        }
    }

    /** Garbage, or plausible-but-wrong values, or values at the edges of plausibility. */
    static long hostile(SplittableRandom rnd, long pos, int cap) {
        return switch (rnd.nextInt(8)) {
            case 0 -> rnd.nextLong();
            case 1 -> pos + cap + 1 + rnd.nextInt(1 << 20);
            case 2 -> pos - 1 - rnd.nextInt(1 << 20);
            case 3 -> pos + cap;
            case 4 -> pos + rnd.nextInt(cap + 1);
            case 5 -> Long.MIN_VALUE;
            case 6 -> Long.MAX_VALUE;
            default -> pos - cap - 1;
        };
    }

    @Test
    void closingTheRegionWhileTheAudioThreadRunsIsSafe() throws Exception {
        for (int i = 0; i < 50; i++) {
            DeviceRegion r = region(2, 0);
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
            Thread audio = Thread.ofPlatform().start(() -> {
                float[][] planar = new float[2][128];
                try {
                    running.countDown();
                    while (in.isOpen()) {
                        in.read(planar, 128);
                        out.write(planar, 128);
                        in.deviceOverruns();
                    }
                    // after close: silence, drops, nothing shared touched
                    planar[0][5] = 1;
                    assertEquals(0, in.read(planar, 128));
                    assertEquals(0f, planar[0][5]);
                    assertEquals(0, out.write(planar, 128));
                    assertEquals(0, in.available() + out.space());
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            running.await();
            Thread.sleep(0, 100_000 * (i % 10));
            r.close();
            audio.join();
            if (failure.get() != null) {
                throw new AssertionError("audio thread failed after close", failure.get());
            }
            assertTrue(in.underruns() > 0 && out.overruns() > 0);
        }
    }

    @Test
    void callerBugsAreIllegalArguments() throws Exception {
        try (DeviceRegion r = region(2, 0)) {
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            assertThrows(IllegalArgumentException.class, () -> in.read(new float[1][10], 5));
            assertThrows(IllegalArgumentException.class, () -> in.read(new float[][] {new float[10], new float[4]}, 5));
            assertThrows(IllegalArgumentException.class, () -> in.read(new float[2][10], -1));
            assertThrows(IllegalArgumentException.class, () -> in.read(null, 1));
            assertThrows(IllegalArgumentException.class, () -> out.write(new float[][] {new float[10], null}, 5));
            assertThrows(IllegalArgumentException.class, () -> out.writeSilence(-1));
            assertEquals(0, in.underruns() + out.overruns(), "nothing counted for a refused call");
        }
    }

    @Test
    void longCallsAreCopiedInRunsAcrossTheWrap() throws Exception {
        // 32 channels: the scratch holds 256 frames, the ring 4096; a 1000-frame call needs several runs
        try (DeviceRegion r = region(32, 900); DeviceSide dev = DeviceSide.attach(r.file())) {
            ToHostReader in = r.toHostReader();
            FromHostWriter out = r.fromHostWriter();
            float[] inter = new float[1000 * 32];
            for (int i = 0; i < inter.length; i++) {
                inter[i] = i + 1;
            }
            assertEquals(1000, dev.write(inter, 1000));
            float[][] planar = new float[32][1000];
            assertEquals(1000, in.read(planar, 1000));
            for (int f = 0; f < 1000; f++) {
                for (int c = 0; c < 32; c++) {
                    assertEquals(f * 32 + c + 1, planar[c][f]);
                }
            }
            assertEquals(1000, out.write(planar, 1000));
            float[] back = new float[1000 * 32];
            assertEquals(1000, dev.read(back, 1000));
            assertArrayEquals(inter, back);
        }
    }
}
