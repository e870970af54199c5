/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of a duration distribution, in nanoseconds.
 *
 * @param count how many durations were recorded
 */
public record TimeSummary(long count, long p50, long p99, long p999, long max) {

    /** Nothing recorded. */
    public static final TimeSummary EMPTY = new TimeSummary(0, 0, 0, 0, 0);

    static TimeSummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return EMPTY;
        }
        return new TimeSummary(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    /** For example {@code p50 12.1 µs, p99 30.2 µs, p99.9 41.0 µs, max 120 µs (10234 blocks)}. */
    public String describe(String unit) {
        if (count == 0) {
            return "no " + unit + " yet";
        }
        return "p50 " + micros(p50) + ", p99 " + micros(p99) + ", p99.9 " + micros(p999) + ", max " + micros(max)
                + " (" + count + " " + unit + ")";
    }

    /** A duration in microseconds for people, e.g. {@code 12.3 µs}. */
    public static String micros(long nanos) {
        double us = nanos / 1000.0;
        return (us >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", us)
                : String.format(java.util.Locale.ROOT, "%.1f", us)) + " µs";
    }
}
