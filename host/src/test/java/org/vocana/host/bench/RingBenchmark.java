/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.ring.FromHostWriter;
import org.vocana.host.ring.RegionException;
import org.vocana.host.ring.ToHostReader;

/**
 * Throughput of the shared-memory ring, one Java producer thread and one Java consumer thread in
 * one process, stereo float32 in 128-frame blocks (48 kHz, ring of 8192 frames), with JCTools'
 * {@code SpscArrayQueue} (pooled, preallocated blocks, copied in and out: the same work) as the
 * reference in the same run. Neither side drops: a producer that finds no room for a block, or a
 * consumer that finds no whole block, returns at once and JMH calls it again.
 * <ul>
 * <li>{@code toHost}: device-side stand-in writes interleaved, {@link ToHostReader} de-interleaves;</li>
 * <li>{@code fromHost}: {@link FromHostWriter} interleaves, the device-side stand-in reads;</li>
 * <li>{@code spsc}: the JCTools reference.</li>
 * </ul>
 * The {@code frames} secondary result of the consumer is the throughput in frames per second
 * (the primary ops/s also counts calls that found nothing to do). Run: {@code ./vocana bench
 * RingBenchmark}. The hand-off latency distribution is measured by {@link RingLatency}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC"})
public class RingBenchmark {

    static final int FRAMES = 128;
    static final int CHANNELS = 2;

    /** Where to put the benchmark's regions: tmpfs when there is one. */
    static Path scratchDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(
                System.getProperty("java.io.tmpdir")), "vocana-bench");
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /** Frames moved, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Moved {
        public long frames;

        @Setup(Level.Iteration)
        public void clear() {
            frames = 0;
        }
    }

    @State(Scope.Group)
    public static class Ring {
        Path dir;
        DeviceRegion region;
        DeviceSide device;
        ToHostReader in;
        FromHostWriter out;

        @Setup(Level.Trial)
        public void open() throws IOException, RegionException {
            dir = scratchDirectory();
            region = DeviceRegion.create(dir.resolve("vocana"), "bench", "Benchmark", 48000, CHANNELS, FRAMES,
                    DeviceRegion.newGeneration());
            device = DeviceSide.attach(region.file());
            in = region.toHostReader();
            out = region.fromHostWriter();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            device.close();
            region.close();
            deleteTree(dir);
        }
    }

    @State(Scope.Thread)
    public static class Buffers {
        final float[][] planar = new float[CHANNELS][FRAMES];
        final float[] interleaved = new float[FRAMES * CHANNELS];

        @Setup(Level.Trial)
        public void fill() {
            for (int i = 0; i < interleaved.length; i++) {
                interleaved[i] = i * 0.001f;
            }
            for (int c = 0; c < CHANNELS; c++) {
                for (int f = 0; f < FRAMES; f++) {
                    planar[c][f] = f * 0.001f + c;
                }
            }
        }
    }

    // ---- device -> host ---------------------------------------------------------------------------

    @Benchmark
    @Group("toHost")
    @GroupThreads(1)
    public int toHostProduce(Ring r, Buffers b) {
        return r.device.space() >= FRAMES ? r.device.write(b.interleaved, FRAMES) : 0;
    }

    @Benchmark
    @Group("toHost")
    @GroupThreads(1)
    public int toHostConsume(Ring r, Buffers b, Moved m) {
        if (r.in.available() < FRAMES) {
            return 0;
        }
        int n = r.in.read(b.planar, FRAMES);
        m.frames += n;
        return n;
    }

    // ---- host -> device ---------------------------------------------------------------------------

    @Benchmark
    @Group("fromHost")
    @GroupThreads(1)
    public int fromHostProduce(Ring r, Buffers b) {
        return r.out.space() >= FRAMES ? r.out.write(b.planar, FRAMES) : 0;
    }

    @Benchmark
    @Group("fromHost")
    @GroupThreads(1)
    public int fromHostConsume(Ring r, Buffers b, Moved m) {
        if (r.device.available() < FRAMES) {
            return 0;
        }
        int n = r.device.read(b.interleaved, FRAMES);
        m.frames += n;
        return n;
    }

    // ---- JCTools reference ------------------------------------------------------------------------

    @State(Scope.Group)
    public static class Spsc {
        /** Capacity in blocks equal to the ring's capacity in frames (8192 / 128). */
        static final int BLOCKS = 64;
        SpscArrayQueue<float[]> full;
        SpscArrayQueue<float[]> free;

        @Setup(Level.Trial)
        public void open() {
            full = new SpscArrayQueue<>(BLOCKS);
            free = new SpscArrayQueue<>(BLOCKS);
            for (int i = 0; i < BLOCKS; i++) {
                free.offer(new float[FRAMES * CHANNELS]);
            }
        }
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscProduce(Spsc q, Buffers b) {
        float[] block = q.free.poll();
        if (block == null) {
            return 0;
        }
        float[][] src = b.planar;
        for (int c = 0; c < CHANNELS; c++) {
            float[] s = src[c];
            for (int f = 0, i = c; f < FRAMES; f++, i += CHANNELS) {
                block[i] = s[f];
            }
        }
        q.full.offer(block);
        return FRAMES;
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public int spscConsume(Spsc q, Buffers b, Moved m) {
        float[] block = q.full.poll();
        if (block == null) {
            return 0;
        }
        System.arraycopy(block, 0, b.interleaved, 0, FRAMES * CHANNELS);
        q.free.offer(block);
        m.frames += FRAMES;
        return FRAMES;
    }
}
