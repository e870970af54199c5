/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * How should the audio thread wait for the next block? The device writes a block every period
 * (128 frames at 48 kHz: 2.667 ms) and bumps a position in shared memory; the audio thread must
 * notice soon (wake-up latency eats the safety margin) without burning a core (CPU). Measured
 * here, one after the other in one run, over the same producer:
 * <ul>
 *   <li>timed park of a quarter period (what {@code DeviceEngine} does);</li>
 *   <li>timed park of 50 µs;</li>
 *   <li>predictive park: sleep until 300 µs before the next block is due (one period after the
 *       last one arrived), then 50 µs parks;</li>
 *   <li>a futex wait on the position word through FFM ({@code syscall(SYS_futex)}, Linux x86-64),
 *       the producer calling {@code FUTEX_WAKE} after each write;</li>
 *   <li>spinning with {@code Thread.onSpinWait} (the latency floor, at a full core).</li>
 * </ul>
 * Latency = consumer's {@code nanoTime} when it sees the new position - producer's right after the
 * store. CPU = consumer thread CPU time / wall time.
 *
 * <p>Run: {@code ./vocana bench wake-up [SECONDS]} (default 10 s per option).
 */
public final class WakeUp {

    private static final long PERIOD = 2_666_667L;
    /** Predictive park: wake this long before the next block is due, then poll every 50 µs. */
    private static final long EARLY = 300_000L;
    private static final int SYS_FUTEX = 202;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private interface Waiter {
        /** Waits until the word differs from {@code seen} (or a while passed); returns the word. */
        int await(MemorySegment word, int seen) throws Throwable;

        /** Producer side, after a store. */
        default void wake(MemorySegment word) throws Throwable {
        }
    }

    public static void main(String[] args) throws Throwable {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        Linker linker = Linker.nativeLinker();
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(1));
        Waiter parkQuarter = (w, seen) -> {
            LockSupport.parkNanos(PERIOD / 4);
            return (int) INT.getAcquire(w, 0L);
        };
        Waiter park50 = (w, seen) -> {
            LockSupport.parkNanos(50_000);
            return (int) INT.getAcquire(w, 0L);
        };
        Waiter futex = new Waiter() {
            @Override
            public int await(MemorySegment w, int seen) throws Throwable {
                // 2x period time-out keeps the heartbeat going if the device stops
                long unused = (long) syscall.invokeExact((long) SYS_FUTEX, w, FUTEX_WAIT, seen, TIMEOUT);
                return (int) INT.getAcquire(w, 0L);
            }

            @Override
            public void wake(MemorySegment w) throws Throwable {
                long unused = (long) syscall.invokeExact((long) SYS_FUTEX, w, FUTEX_WAKE, 1, MemorySegment.NULL);
            }
        };
        Waiter predictive = new Waiter() {
            private long last = System.nanoTime();
            private int lastSeen;

            @Override
            public int await(MemorySegment w, int seen) {
                if (seen != lastSeen) {
                    lastSeen = seen;
                    last = System.nanoTime();
                }
                long early = last + PERIOD - EARLY - System.nanoTime();
                LockSupport.parkNanos(early > 0 ? early : 50_000);
                return (int) INT.getAcquire(w, 0L);
            }
        };
        Waiter spin = (w, seen) -> {
            Thread.onSpinWait();
            return (int) INT.getAcquire(w, 0L);
        };
        System.out.printf(Locale.ROOT, "wake-up after a block write every %.3f ms, %.0f s per option%n", PERIOD / 1e6, seconds);
        System.out.printf(Locale.ROOT, "%-26s %9s %9s %9s %9s %9s %8s%n", "", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs",
                "max µs", "CPU %");
        run("timed park, period/4", parkQuarter, seconds);
        run("timed park, 50 µs", park50, seconds);
        run("predictive park (50 µs)", predictive, seconds);
        run("futex wait/wake (FFM)", futex, seconds);
        run("spin", spin, seconds);
    }

    private static MemorySegment TIMEOUT;

    private static void run(String name, Waiter waiter, double seconds) throws Throwable {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment word = arena.allocate(64, 64);
            TIMEOUT = arena.allocate(16, 8);
            TIMEOUT.set(ValueLayout.JAVA_LONG, 0, 0L);
            TIMEOUT.set(ValueLayout.JAVA_LONG, 8, 2 * PERIOD);
            MemorySegment stamp = arena.allocate(8, 8);
            Histogram latency = new Histogram(1, 1_000_000_000L, 3);
            long blocks = (long) (seconds * 1e9 / PERIOD);
            long[] cpu = new long[1];
            Thread consumer = Thread.ofPlatform().name("wake-consumer").start(() -> {
                var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                long cpu0 = mx.getCurrentThreadCpuTime();
                int seen = 0;
                try {
                    while (seen < blocks) {
                        int now = waiter.await(word, seen);
                        if (now != seen) {
                            long t = System.nanoTime();
                            latency.recordValue(Math.max(1, Math.min(t - (long) LONG.getAcquire(stamp, 0L), 999_999_999L)));
                            seen = now;
                        }
                    }
                } catch (Throwable e) {
                    throw new IllegalStateException(e);
                }
                cpu[0] = mx.getCurrentThreadCpuTime() - cpu0;
            });
            long start = System.nanoTime();
            for (int i = 1; i <= blocks; i++) {
                long due = start + i * PERIOD;
                while (System.nanoTime() < due - 200_000) {
                    LockSupport.parkNanos(due - System.nanoTime() - 200_000);
                }
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
                LONG.setRelease(stamp, 0L, System.nanoTime());
                INT.setRelease(word, 0L, i);
                waiter.wake(word);
            }
            consumer.join();
            double wall = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "%-26s %9.1f %9.1f %9.1f %9.1f %9.1f %8.1f%n", name,
                    latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3, 100.0 * cpu[0] / wall);
        }
    }
}
