/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

/**
 * Judges whether a watched thread is stuck by its own progress, not by wall time. A watcher
 * observes it periodically; the stall grows only while the thread stays inside the same watched
 * call, and by at most {@code maxStep} per observation. A stopped process (SIGSTOP, Ctrl-Z, a
 * debugger, a frozen VM) loses wall time for the watcher and the watched thread alike: the first
 * observation after it resumes sees a long gap, which counts as one step, and by the next one a
 * healthy thread has moved on. A thread that really hangs stays in the same call and keeps
 * growing the stall by one step per observation. Thread: the one watcher.
 */
public final class StallMeter {

    private final long maxStepNanos;
    private boolean seen;
    private boolean lastBusy;
    private long lastNow;
    private long lastMark;
    private long stalled;

    /** @param maxStepNanos the most one observation adds (about twice the observation period) */
    public StallMeter(long maxStepNanos) {
        if (maxStepNanos < 1) {
            throw new IllegalArgumentException("maxStepNanos must be positive, not " + maxStepNanos);
        }
        this.maxStepNanos = maxStepNanos;
    }

    /**
     * One observation; returns how long the thread has been seen stuck in its current call.
     *
     * @param now a monotonic clock reading (System.nanoTime, or a test clock)
     * @param busy true while the thread is inside a watched call
     * @param mark a value that changes whenever the thread enters a new call (a counter)
     */
    public long observe(long now, boolean busy, long mark) {
        if (!busy || !seen || !lastBusy || mark != lastMark) {
            stalled = 0;
        } else {
            stalled += Math.min(Math.max(0, now - lastNow), maxStepNanos);
        }
        seen = true;
        lastBusy = busy;
        lastNow = now;
        lastMark = mark;
        return stalled;
    }

    /** The stall as last observed. */
    public long stalledNanos() {
        return stalled;
    }

    /** Forgets what was observed (a new thread is watched). */
    public void reset() {
        seen = false;
        stalled = 0;
    }
}
