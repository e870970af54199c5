/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A distribution of durations recorded by one audio thread and read by one control thread:
 * HdrHistogram's {@link SingleWriterRecorder} (wait-free, allocation-free recording into a fixed
 * range) with a cumulative histogram on the reading side. Durations above the range (10 s) are
 * recorded as 10 s.
 */
public final class TimeRecorder {

    /** Largest recordable duration: 10 s in nanoseconds. */
    static final long HIGHEST_NANOS = 10_000_000_000L;

    private final SingleWriterRecorder recorder;
    private final Histogram total;
    private Histogram interval;

    /** @param significantDigits 2 (1 %) or 3 (0.1 %) value precision */
    public TimeRecorder(int significantDigits) {
        recorder = new SingleWriterRecorder(1, HIGHEST_NANOS, significantDigits);
        total = new Histogram(1, HIGHEST_NANOS, significantDigits);
        interval = recorder.getIntervalHistogram();
    }

    /** Records one duration. Thread: the audio thread (the single writer). No allocation, no lock. */
    public void record(long nanos) {
        recorder.recordValue(nanos < 1 ? 1 : Math.min(nanos, HIGHEST_NANOS));
    }

    /**
     * Everything recorded since this recorder was made (or last {@link #clear}ed).
     * Thread: the reading control thread.
     */
    public synchronized TimeSummary summary() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return TimeSummary.of(total);
    }

    /** Forgets what was recorded. Thread: the reading control thread. */
    public synchronized void clear() {
        interval = recorder.getIntervalHistogram(interval);
        total.reset();
    }
}
