/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.Locale;
import java.util.function.Consumer;
import org.vocana.host.ring.SampleGuard;

/**
 * Turns what one direction's {@link SampleGuard} replaced into one line per episode: an episode
 * begins with the first replaced sample and ends once nothing more was replaced for
 * {@value #QUIET_MILLIS} ms; then it is reported, with what and how much. Thread: the device's
 * control thread (housekeeping).
 */
final class BoundaryReport {

    static final long QUIET_MILLIS = 100;

    private final String what;
    private final String consequence;
    private long nan = -1, infinite, huge, blocks; // counters as last seen; -1: not yet
    private long episodeNan, episodeInfinite, episodeHuge, episodeBlocks;
    private long episodeStart, lastSeen;

    private BoundaryReport(String what, String consequence) {
        this.what = what;
        this.consequence = consequence;
    }

    /** The "to host" direction: what the device side played into the device. */
    static BoundaryReport input() {
        return new BoundaryReport("input from the device side", "before the chain (no effect saw them)");
    }

    /** The "from host" direction: what the host wrote for the device side (a host bug if ever). */
    static BoundaryReport output() {
        return new BoundaryReport("the host's output", "before the device side could read them (a host bug)");
    }

    /** Checks the guard's counters; reports an episode that is over. */
    void poll(SampleGuard guard, long nowNanos, Consumer<String> events) {
        long n = guard.nan(), i = guard.infinite(), h = guard.huge(), b = guard.blocks();
        if (nan < 0) {
            nan = n;
            infinite = i;
            huge = h;
            blocks = b;
            return;
        }
        long dn = n - nan, di = i - infinite, dh = h - huge, db = b - blocks;
        nan = n;
        infinite = i;
        huge = h;
        blocks = b;
        if (dn + di + dh > 0) {
            if (episodeNan + episodeInfinite + episodeHuge == 0) {
                episodeStart = nowNanos;
            }
            episodeNan += dn;
            episodeInfinite += di;
            episodeHuge += dh;
            episodeBlocks += db;
            lastSeen = nowNanos;
        } else if (episodeNan + episodeInfinite + episodeHuge > 0 && nowNanos - lastSeen >= QUIET_MILLIS * 1_000_000L) {
            events.accept(String.format(Locale.ROOT,
                    "%s: %s in %d block%s over about %.0f ms %s NaN, infinite or beyond +-2^24: replaced by silence %s",
                    what, SampleGuard.describe(episodeNan, episodeInfinite, episodeHuge), episodeBlocks,
                    episodeBlocks == 1 ? "" : "s", (lastSeen - episodeStart) / 1e6 + DeviceRuntime.HOUSEKEEPING_MILLIS,
                    episodeNan + episodeInfinite + episodeHuge == 1 ? "was" : "were", consequence));
            episodeNan = episodeInfinite = episodeHuge = episodeBlocks = 0;
        }
    }
}
