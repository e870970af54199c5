/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jctools.queues.SpscArrayQueue;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.ring.FromHostWriter;
import org.vocana.host.ring.RegionLayout;
import org.vocana.host.ring.ToHostReader;

/**
 * Hand-off latency of one 128-frame stereo block from a producer thread to a consumer thread:
 * through the shared-memory ring in both directions, and through JCTools' {@code SpscArrayQueue}
 * (pooled blocks, same copying) as the reference, measured in the same run, plus, if the device
 * simulator has been built, C -> Java and Java -> C throughput across processes.
 *
 * <p>One block is in flight at a time (the producer waits until the consumer has taken the previous
 * one, then a short random pause), so the figures are the hand-off itself (the consumer spins),
 * not queueing: latency = consumer's {@code nanoTime} after its read returned - producer's {@code
 * nanoTime} right before its write. Both threads spin; results depend on the cores available.
 *
 * <p>Run (after {@code ./vocana bench RingBenchmark}, which builds and writes the classpath):
 * {@code java -XX:+UseZGC -cp host/target/test-classes:host/target/classes:$(cat
 * host/target/test.classpath) org.vocana.host.bench.RingLatency [blocks]}
 */
public final class RingLatency {

    static final int FRAMES = 128;
    static final int CHANNELS = 2;

    /** The two ends of one channel under test. */
    interface Link {
        /** Producer: true when the previous block has been taken. */
        boolean drained();

        /** Producer: sends one block (always fits: the link is drained). */
        void send();

        /** Consumer: takes one block if there is one. */
        boolean receive();
    }

    public static void main(String[] args) throws Exception {
        int blocks = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        System.out.printf(Locale.ROOT, "hand-off latency, %d blocks of %d stereo frames, 1 in flight (ns)%n", blocks, FRAMES);
        System.out.printf(Locale.ROOT, "%-44s %8s %8s %8s %8s %8s %9s%n", "", "p50", "p90", "p99", "p99.9", "p99.99", "max");
        Path dir = RingBenchmark.scratchDirectory();
        try {
            for (int round = 0; round < 2; round++) { // round 0 warms up every path
                boolean print = round == 1;
                try (DeviceRegion r = DeviceRegion.create(dir.resolve("vocana"), "lat", "", 48000, CHANNELS, FRAMES,
                        DeviceRegion.newGeneration()); DeviceSide dev = DeviceSide.attach(r.file())) {
                    ToHostReader in = r.toHostReader();
                    FromHostWriter out = r.fromHostWriter();
                    float[] inter = new float[FRAMES * CHANNELS];
                    float[][] planar = new float[CHANNELS][FRAMES];
                    float[] inter2 = new float[FRAMES * CHANNELS];
                    float[][] planar2 = new float[CHANNELS][FRAMES];
                    int cap = r.capacityFrames();
                    measure("ring to host (C-side stand-in -> ToHostReader)", blocks, print, new Link() {
                        public boolean drained() {
                            return dev.space() == cap;
                        }

                        public void send() {
                            dev.write(inter, FRAMES);
                        }

                        public boolean receive() {
                            return in.available() >= FRAMES && in.read(planar, FRAMES) == FRAMES;
                        }
                    });
                    measure("ring from host (FromHostWriter -> stand-in)", blocks, print, new Link() {
                        public boolean drained() {
                            return out.space() == cap;
                        }

                        public void send() {
                            out.write(planar2, FRAMES);
                        }

                        public boolean receive() {
                            return dev.available() >= FRAMES && dev.read(inter2, FRAMES) == FRAMES;
                        }
                    });
                }
                SpscArrayQueue<float[]> full = new SpscArrayQueue<>(64);
                SpscArrayQueue<float[]> free = new SpscArrayQueue<>(64);
                for (int i = 0; i < 64; i++) {
                    free.offer(new float[FRAMES * CHANNELS]);
                }
                float[][] src = new float[CHANNELS][FRAMES];
                float[] dst = new float[FRAMES * CHANNELS];
                measure("JCTools SpscArrayQueue (pooled blocks)", blocks, print, new Link() {
                    public boolean drained() {
                        return full.isEmpty();
                    }

                    public void send() {
                        float[] b = free.poll();
                        for (int c = 0; c < CHANNELS; c++) {
                            float[] s = src[c];
                            for (int f = 0, i = c; f < FRAMES; f++, i += CHANNELS) {
                                b[i] = s[f];
                            }
                        }
                        full.offer(b);
                    }

                    public boolean receive() {
                        float[] b = full.poll();
                        if (b == null) {
                            return false;
                        }
                        System.arraycopy(b, 0, dst, 0, b.length);
                        free.offer(b);
                        return true;
                    }
                });
            }
            acrossProcesses(dir);
        } finally {
            RingBenchmark.deleteTree(dir);
        }
    }

    static void measure(String name, int blocks, boolean print, Link link) throws InterruptedException {
        long[] sentAt = new long[blocks]; // one slot per block: never overwritten while read
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Thread consumer = Thread.ofPlatform().name("consumer").start(() -> {
            for (int i = 0; i < blocks; i++) {
                while (!link.receive()) {
                    Thread.onSpinWait();
                }
                long now = System.nanoTime();
                h.recordValue(Math.max(0, now - sentAt[i])); // visible: written before the block was published
            }
        });
        long seed = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < blocks; i++) {
            while (!link.drained()) {
                Thread.onSpinWait();
            }
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            long pauseUntil = System.nanoTime() + 500 + ((seed >>> 40) & 4095); // 0.5 .. 4.6 us
            while (System.nanoTime() < pauseUntil) {
                Thread.onSpinWait();
            }
            sentAt[i] = System.nanoTime();
            link.send();
        }
        consumer.join();
        if (print) {
            System.out.printf(Locale.ROOT, "%-44s %8d %8d %8d %8d %8d %9d%n", name, h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getValueAtPercentile(99.99), h.getMaxValue());
        }
    }

    /** C -> Java and Java -> C throughput through the device simulator, if it is built. */
    static void acrossProcesses(Path dir) throws Exception {
        Path sim = Path.of(System.getProperty("vocana.home", "."), "hal-plugin/build/vocana-sim");
        if (!Files.isExecutable(sim)) {
            sim = Path.of("hal-plugin/build/vocana-sim").toAbsolutePath();
        }
        if (!Files.isExecutable(sim)) {
            System.out.println("device simulator not built (hal-plugin/build/vocana-sim): no cross-process figures");
            return;
        }
        long frames = 20_000_000;
        for (int io : new int[] {128, 1024}) {
            for (boolean toHost : new boolean[] {true, false}) {
                try (DeviceRegion r = DeviceRegion.create(dir.resolve("vocana"), "xproc", "", 48000, CHANNELS, 4096,
                        DeviceRegion.newGeneration())) {
                    ToHostReader in = r.toHostReader();
                    FromHostWriter out = r.fromHostWriter();
                    Thread beat = Thread.ofPlatform().daemon().start(() -> {
                        while (r.heartbeat()) {
                            LockSupport.parkNanos(20_000_000);
                            if (Thread.interrupted()) {
                                return;
                            }
                        }
                    });
                    List<String> cmd = new ArrayList<>(List.of(sim.toString(), "--dir", dir.resolve("vocana").toString(),
                            "--device", "xproc", "--fast", "--quiet", "--wait-host", "10", "--io-frames", "" + io,
                            "--frames", "" + frames, toHost ? "--sequence" : "--verify-sequence"));
                    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                    float[][] planar = new float[CHANNELS][4096];
                    long got = 0, sent = 0, first = 0;
                    while (p.isAlive() || in.available() > 0) {
                        boolean moved = false;
                        int n = Math.min(in.available(), 4096);
                        if (n > 0) {
                            in.read(planar, n);
                            if (first == 0 && (!toHost || planar[0][0] != 0f || planar[0][n - 1] != 0f)) {
                                first = System.nanoTime();
                            }
                            got += n;
                            moved = true;
                        }
                        // the device discards what the ring holds when it attaches: write after that
                        boolean attached = (r.deviceFlags() & RegionLayout.DEVICE_ATTACHED) != 0;
                        int s = attached ? Math.min(out.space(), 4096) : 0;
                        if (s > 0) {
                            if (toHost) {
                                sent += out.writeSilence(s);
                            } else {
                                for (int c = 0; c < CHANNELS; c++) {
                                    for (int f = 0; f < s; f++) {
                                        planar[c][f] = 1 + (float) ((((sent + f) * CHANNELS) + c) % 16777215L);
                                    }
                                }
                                sent += out.write(planar, s);
                            }
                            moved = true;
                        }
                        if (!moved) {
                            LockSupport.parkNanos(20_000);
                        }
                    }
                    long end = System.nanoTime();
                    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    int exit = p.waitFor();
                    beat.interrupt();
                    double secs = (end - first) / 1e9;
                    String errors = output.lines().filter(l -> l.startsWith("sequence_errors")).findFirst().orElse("");
                    System.out.printf(Locale.ROOT, "%s across processes, sim --io-frames %4d: %.1f M frames/s (%d frames, exit %d%s)%n",
                            toHost ? "C -> Java" : "Java -> C", io, frames / secs / 1e6, frames, exit,
                            errors.isEmpty() ? "" : ", " + errors);
                    if (toHost && got < frames) {
                        System.out.println("  (only " + got + " frames arrived: " + output.replace('\n', ' ') + ")");
                    }
                } catch (IOException e) {
                    System.out.println("cross-process run failed: " + e);
                }
            }
        }
    }

    private RingLatency() {
    }
}
