/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.os;

/**
 * The system calls {@link Realtime} makes, as an interface so that a test can answer for the
 * kernel (for example refuse SCHED_FIFO) without changing the process's privileges.
 */
interface Kernel {

    /** Whether the calls below exist here; if not, {@link #unsupportedReason} says why. */
    boolean supported();

    /** One line: why real-time scheduling is unavailable on this system. */
    String unsupportedReason();

    /** The calling thread's kernel id ({@code gettid}). */
    int gettid();

    /**
     * {@code sched_setscheduler(tid, policy, {priority})}: 0, or the errno of the failure.
     */
    int setScheduler(int tid, int policy, int priority);

    /** The soft RLIMIT_RTPRIO, or -1 for unlimited. */
    long rtprioLimit();

    /** {@code mlockall(flags)}: 0, or the errno of the failure. */
    int lockAll(int flags);

    /** The kernel ids of this process's threads now ({@code /proc/self/task}). */
    int[] threads();

    /**
     * Thread {@code tid}'s nice value, or {@link Integer#MIN_VALUE} if it is gone or not a
     * time-sharing thread (SCHED_FIFO, SCHED_IDLE: nice does not matter to it).
     */
    int niceOf(int tid);

    /** {@code setpriority(PRIO_PROCESS, tid, nice)} (on Linux: that one thread): 0, or the errno. */
    int setNice(int tid, int nice);

    /** The soft RLIMIT_NICE (the lowest nice allowed is 20 minus it), or -1 for unlimited. */
    long niceLimit();
}
