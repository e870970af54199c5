/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.testing;

import java.lang.management.ManagementFactory;

/**
 * Measures the bytes the current thread allocates while running audio-thread code, after the
 * code has reached steady state.
 *
 * <p>Why warm up until a quiet window: when C2 compiles a caller and links its call sites, the
 * JVM itself allocates a few hundred bytes once on the calling thread (seen here: 744 bytes when
 * {@code AbstractEffect.process} is compiled, for any effect). That is not the effect's doing and
 * does not recur; a late deoptimisation and recompilation (e.g. when a rarely taken path such as
 * exception handling gets compiled) can do the same once more. Code that really allocates does so
 * in every window: it never reaches a quiet window, and every one of the measurements reports it.
 */
public final class AllocationMeter {

    private static final int MAX_WARMUP_WINDOWS = 30;
    private static final int MEASUREMENTS = 3;

    private AllocationMeter() {
    }

    /** One window of calls; {@code call} is the running call index, for varying the work. */
    @FunctionalInterface
    public interface Work {
        void run(int call);
    }

    /**
     * Runs {@code work} in windows of {@code callsPerWindow} calls until one window allocates
     * nothing (at most {@value #MAX_WARMUP_WINDOWS} windows, at least 3), then measures the bytes
     * allocated by two further windows, up to {@value #MEASUREMENTS} times, and returns the least:
     * 0 for allocation-free code.
     */
    public static long steadyStateBytes(int callsPerWindow, Work work) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        mx.setThreadAllocatedMemoryEnabled(true);
        int call = 0;
        for (int w = 0; w < MAX_WARMUP_WINDOWS; w++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < callsPerWindow; i++) {
                work.run(call++);
            }
            if (w >= 2 && mx.getCurrentThreadAllocatedBytes() - before == 0) {
                break;
            }
        }
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < MEASUREMENTS && least != 0; attempt++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2 * callsPerWindow; i++) {
                work.run(call++);
            }
            least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
        }
        return least;
    }
}
