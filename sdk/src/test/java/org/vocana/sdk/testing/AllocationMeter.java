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
 * does not recur. Code that really allocates does so in every window, so it never reaches a quiet
 * window and the measurement reports it.
 */
public final class AllocationMeter {

    private static final int MAX_WARMUP_WINDOWS = 30;

    private AllocationMeter() {
    }

    /** One window of calls; {@code call} is the running call index, for varying the work. */
    @FunctionalInterface
    public interface Work {
        void run(int call);
    }

    /**
     * Runs {@code work} in windows of {@code callsPerWindow} calls until one window allocates
     * nothing (at most {@value #MAX_WARMUP_WINDOWS} windows, at least 3), then returns the bytes
     * allocated by two further windows: 0 for allocation-free code.
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
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 2 * callsPerWindow; i++) {
            work.run(call++);
        }
        return mx.getCurrentThreadAllocatedBytes() - before;
    }
}
