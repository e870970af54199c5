/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.engine.Chain;
import org.vocana.host.engine.ChainPlayer;
import org.vocana.host.engine.DeviceEngine;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.testeffect.SpinningEffect;

/**
 * The CPU a stuck audio thread takes from a busy machine: an effect that never returns spins on
 * the audio thread (SCHED_FIFO at {@code -Dvocana.rt.priority}, default 70) while N busy
 * processes ({@code yes > /dev/null}, normal priority) run. Measured for SECONDS while it is stuck
 * at its real-time priority, then after {@link DeviceEngine#abandon} (what the watchdog calls) took
 * real-time scheduling away (SCHED_OTHER at nice 0, the default), then at SCHED_IDLE, nice 19 and
 * nice 10: the stuck thread's CPU (ThreadMXBean) and the busy processes'
 * (/proc/PID/stat utime + stime), as a share of one core. Each phase also asks for a garbage
 * collection every 250 ms and reports the median, p90 and longest time the JVM took to bring every thread
 * to a safepoint (JFR's jdk.SafepointStateSynchronization): the stuck thread must reach one too, and
 * meanwhile every other Java thread, the new audio thread included, waits.
 *
 * <p>{@code ./vocana bench stuck-thread [SECONDS] [BUSY]} (defaults 5 and 2).
 */
public final class StuckThread {

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int hogs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long ticks = 100; // USER_HZ on Linux
        Path dir = Files.createTempDirectory("vocana-stuck");
        List<Process> busy = new ArrayList<>();
        for (int i = 0; i < hogs; i++) {
            busy.add(new ProcessBuilder("yes").redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (DeviceRegion region = DeviceRegion.create(dir.resolve("vocana"), "stuck", "Stuck", 48_000, 2, 128,
                DeviceRegion.newGeneration());
             DeviceSide device = DeviceSide.attach(region.file())) {
            String others = Realtime.system().favourOtherThreads(Realtime.configuredNice()); // as a device does
            ChainPlayer player = new ChainPlayer(2, 128, 480);
            DeviceEngine engine = new DeviceEngine(region, player, 128);
            TestCatalog catalog = TestCatalog.builtIns().add(SpinningEffect::new);
            SpinningEffect.switchOff();
            SpinningEffect.spin = true;
            player.submit(Chain.activate(new ChainResolver(catalog).instantiate(ChainSpec.parse("spin")), 48_000, 128, 2));
            float[] block = new float[256];
            long until = System.nanoTime() + 5_000_000_000L;
            while (engine.stalledNanos() == 0 && System.nanoTime() < until) {
                if (device.space() >= 128) {
                    device.write(block, 128);
                }
                Thread.sleep(1);
            }
            if (engine.stalledNanos() == 0) {
                throw new IllegalStateException("the audio thread did not get stuck");
            }
            int tid = engine.scheduling().tid();
            System.out.printf(Locale.ROOT, "stuck audio thread, %d busy processes at normal priority, %d cores, %.0f s per phase, %s%n",
                    hogs, Runtime.getRuntime().availableProcessors(), seconds, others);
            System.out.printf(Locale.ROOT, "%-34s %14s %16s %32s%n", "phase", "stuck thread", "busy processes",
                    "time to safepoint p50/p90/max (n)");
            measure("stuck, " + Realtime.policyOf(tid).describe(), seconds, mx, engine.threadId(), busy, ticks);
            if (!engine.abandon()) {
                throw new IllegalStateException("not abandoned");
            }
            String why = engine.demotion();
            measure("abandoned, " + Realtime.policyOf(tid).describe() + " nice " + Realtime.policyOf(tid).nice(), seconds,
                    mx, engine.threadId(), busy, ticks);
            System.out.println("  (the engine: " + why + ")");
            why = Realtime.system().demoteToIdle(tid);
            measure("then " + Realtime.policyOf(tid).describe() + (why == null ? "" : " (" + why + ")"), seconds, mx,
                    engine.threadId(), busy, ticks);
            for (int nice : new int[] {19, 10}) {
                why = Realtime.system().demoteToNormal(tid, nice);
                measure("then " + Realtime.policyOf(tid).describe() + " nice " + Realtime.policyOf(tid).nice()
                        + (why == null ? "" : " (" + why + ")"), seconds, mx, engine.threadId(), busy, ticks);
            }
            SpinningEffect.release = true;
            engine.stop();
        } finally {
            SpinningEffect.release = true;
            for (Process b : busy) {
                b.destroy();
            }
        }
    }

    private static void measure(String phase, double seconds, com.sun.management.ThreadMXBean mx, long thread,
                                List<Process> busy, long ticks) throws Exception {
        long cpu0 = mx.getThreadCpuTime(thread);
        long busy0 = busyTicks(busy);
        java.util.List<Long> sync = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try (jdk.jfr.consumer.RecordingStream rs = new jdk.jfr.consumer.RecordingStream()) {
            rs.enable("jdk.SafepointStateSynchronization").withThreshold(java.time.Duration.ZERO);
            rs.onEvent("jdk.SafepointStateSynchronization", e -> sync.add(e.getDuration().toNanos()));
            rs.startAsync();
            long end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                System.gc();
                Thread.sleep(250);
            }
        }
        long wall = System.nanoTime() - t0;
        long cpu = mx.getThreadCpuTime(thread) - cpu0;
        long busyNanos = (busyTicks(busy) - busy0) * (1_000_000_000L / ticks);
        long[] t;
        synchronized (sync) {
            t = sync.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        System.out.printf(Locale.ROOT, "%-34s %12.1f %% %14.1f %% %9.1f %9.1f %9.1f ms (%d)%n", phase, 100.0 * cpu / wall,
                100.0 * busyNanos / wall, t.length == 0 ? 0 : t[t.length / 2] / 1e6,
                t.length == 0 ? 0 : t[(int) (t.length * 0.9)] / 1e6, t.length == 0 ? 0 : t[t.length - 1] / 1e6, t.length);
    }

    /** utime + stime of the processes, in clock ticks. */
    private static long busyTicks(List<Process> busy) throws Exception {
        long sum = 0;
        for (Process p : busy) {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
        }
        return sum;
    }
}
