/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.List;
import java.util.Locale;
import org.vocana.host.engine.TimeSummary;

/**
 * A device's figures since it started.
 *
 * @param blocks blocks processed
 * @param periodNanos the block period
 * @param blockTime time the chain took per block
 * @param deadlineMisses blocks that took longer than the period
 * @param overloads times the engine began shedding optional effects (blocks near the period)
 * @param shedding true while optional effects are shed
 * @param toHostOverruns frames the device could not write because the host was behind (times)
 * @param toHostUnderruns host reads that found fewer frames than asked
 * @param fromHostOverruns host writes that found the ring full
 * @param fromHostUnderruns device reads that found no processed audio (the listener heard a gap)
 * @param latencyFrames the chain's latency
 * @param faults effect faults reported (including stalls)
 * @param stalls times the watchdog replaced a stuck audio thread
 * @param scheduling what the running audio thread got at its start, e.g. {@code SCHED_FIFO 70}
 *     or {@code normal priority (why)}
 * @param toHostReplaced samples from the device side replaced by silence at the boundary (NaN,
 *     infinite or beyond +-2^24)
 * @param fromHostReplaced samples of the host's output replaced by silence the same way (a host bug)
 * @param restarts times an audio thread died (an error outside the effects) and was replaced
 */
public record DeviceStats(String id, long blocks, long periodNanos, TimeSummary blockTime, long deadlineMisses,
                          long overloads, boolean shedding, long toHostOverruns, long toHostUnderruns,
                          long fromHostOverruns, long fromHostUnderruns, int latencyFrames, long faults, long stalls,
                          List<EffectStats> effects, long toHostOverrunFrames, long fromHostUnderrunFrames,
                          long fromHostLateFrames, int readLatencyFrames, String scheduling, long toHostReplaced,
                          long fromHostReplaced, long restarts) {

    /**
     * One slot of the configured chain.
     *
     * @param position 1-based
     * @param installed false if the effect is not installed (left out of the running chain)
     * @param allocationRate bytes per second the audio thread allocated inside this slot, over the
     *     last second (0 for an effect that keeps the real-time rules)
     * @param allocatedBytes bytes allocated inside this slot since its chain was built
     * @param lastFault the effect's last fault on this device, one line with its time, or null
     * @param leftOut why an installed effect is not in the running chain (it hung), or null
     */
    public record EffectStats(int position, String id, boolean installed, TimeSummary time, int faults, boolean bypassed,
                              boolean disabled, boolean optional, double allocationRate, long allocatedBytes,
                              String lastFault, String leftOut) {
    }

    /**
     * A counter the device side keeps in shared memory, for people: untrusted, so a value no
     * device could have counted (negative as unsigned is beyond 2^63; more than 2^48 frames is
     * 185 years at 48 kHz) is shown as such rather than printed raw.
     */
    static String untrusted(long v) {
        return v >= 0 && v < (1L << 48) ? Long.toString(v) : "implausible (0x" + Long.toHexString(v) + ")";
    }

    /** Several lines for people. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(id).append(": ").append(blocks).append(" blocks, block time ").append(blockTime.describe("blocks"))
                .append(" of a ").append(TimeSummary.micros(periodNanos)).append(" period\n");
        sb.append("  deadline misses ").append(deadlineMisses).append(", overloads ").append(overloads)
                .append(shedding ? " (shedding optional effects now)" : "").append(", stalls ").append(stalls)
                .append(", faults ").append(faults).append(restarts == 0 ? "" : ", audio thread restarts " + restarts)
                .append('\n');
        sb.append("  audio thread ").append(scheduling).append('\n');
        sb.append("  to host: device overruns ").append(untrusted(toHostOverruns)).append(" (")
                .append(untrusted(toHostOverrunFrames)).append(" frames), host underruns ").append(toHostUnderruns)
                .append("; from host: host overruns ").append(fromHostOverruns).append(", device underruns ")
                .append(untrusted(fromHostUnderruns)).append(" (").append(untrusted(fromHostUnderrunFrames))
                .append(" frames), late frames skipped ").append(untrusted(fromHostLateFrames)).append('\n');
        sb.append("  samples replaced by silence (NaN, infinite, beyond +-2^24): to host ").append(toHostReplaced)
                .append(", from host ").append(fromHostReplaced).append('\n');
        sb.append("  chain latency ").append(latencyFrames).append(" frames; device read latency ")
                .append(readLatencyFrames == 0 ? "- (no timed reader)" : readLatencyFrames + " frames");
        for (EffectStats e : effects) {
            sb.append(String.format(Locale.ROOT, "%n  %d %-12s ", e.position(), e.id()));
            if (!e.installed()) {
                sb.append("not installed (left out)");
                continue;
            }
            if (e.leftOut() != null) {
                sb.append("left out: ").append(e.leftOut());
            } else {
                sb.append("p99 ").append(e.time().count() == 0 ? "-" : TimeSummary.micros(e.time().p99()))
                        .append(", max ").append(e.time().count() == 0 ? "-" : TimeSummary.micros(e.time().max()))
                        .append(", faults ").append(e.faults())
                        .append(", alloc ").append(bytesPerSecond(e.allocationRate()))
                        .append(e.allocatedBytes() > 0 ? " (" + bytes(e.allocatedBytes()) + " in all)" : "");
            }
            if (e.bypassed()) {
                sb.append(", bypassed");
            }
            if (e.disabled()) {
                sb.append(", disabled (vocana:enable)");
            }
            if (e.optional()) {
                sb.append(", optional");
            }
            if (e.lastFault() != null) {
                sb.append("\n      last fault ").append(e.lastFault());
            }
        }
        return sb.toString();
    }

    /** {@code 312 B}, {@code 1.5 kB}, {@code 2.1 MB}. */
    static String bytes(long n) {
        return n < 1000 ? n + " B" : n < 1_000_000 ? String.format(Locale.ROOT, "%.1f kB", n / 1e3)
                : String.format(Locale.ROOT, "%.1f MB", n / 1e6);
    }

    /** {@code 0 B/s}, {@code 312 B/s}, {@code 374.5 kB/s}, {@code 2.1 MB/s}. */
    static String bytesPerSecond(double rate) {
        if (rate < 1000) {
            return String.format(Locale.ROOT, "%.0f B/s", rate);
        }
        if (rate < 1e6) {
            return String.format(Locale.ROOT, "%.1f kB/s", rate / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB/s", rate / 1e6);
    }
}
