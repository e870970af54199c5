/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.lang.management.ManagementFactory;

/**
 * The calling thread's allocated bytes ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes},
 * the JVM's per-thread counter, TLAB included): read around each slot on the audio thread to see
 * which effect allocates. One read costs about 20-25 ns on this class of machine and allocates
 * nothing ({@code ./vocana bench AllocationMeterBenchmark} measures a whole chain with and
 * without it). {@code -Dvocana.alloc.meter=off} turns the reads off.
 */
public final class AudioAllocation {

    private static final com.sun.management.ThreadMXBean THREADS = threads();
    /** True if the counter is read around each slot. */
    public static final boolean METERED = THREADS != null && !"off".equals(System.getProperty("vocana.alloc.meter"));

    private AudioAllocation() {
    }

    private static com.sun.management.ThreadMXBean threads() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                return t;
            }
        } catch (RuntimeException | LinkageError e) {
            // no counter on this JVM: nothing is metered
        }
        return null;
    }

    /** Bytes the calling thread has allocated so far (0 when not {@link #METERED}). No allocation. */
    public static long current() {
        return METERED ? THREADS.getCurrentThreadAllocatedBytes() : 0;
    }
}
