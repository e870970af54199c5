/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The stall judge on a test clock: a thread that stays in one call grows the stall by the
 * observation period; a process stopped for 10 s (the clock jumps) adds one capped step, and the
 * thread's next progress clears it.
 */
class StallMeterTest {

    private static final long MS = 1_000_000L;

    @Test
    void aThreadStuckInOneCallIsSeenStuckAfterTheLimitOfObservedTime() {
        StallMeter m = new StallMeter(100 * MS);
        long now = 0;
        assertEquals(0, m.observe(now, true, 7), "first sight of a call: nothing known yet");
        for (int i = 1; i <= 7; i++) {
            now += 50 * MS;
            assertEquals(i * 50 * MS, m.observe(now, true, 7));
        }
        assertTrue(m.stalledNanos() > 300 * MS, "stuck for longer than a 300 ms limit");
    }

    @Test
    void aStoppedProcessCountsAsOneStepNotAsItsWallTime() {
        for (long stop : new long[] {1_000, 3_000, 10_000}) {
            StallMeter m = new StallMeter(100 * MS);
            long now = 0;
            m.observe(now, true, 1);            // inside block 1 when SIGSTOP comes
            now += stop * MS;                   // the process (watcher and audio thread) is stopped
            long afterResume = m.observe(now, true, 1);
            assertEquals(100 * MS, afterResume, stop + " ms stop: one capped step, not the stop");
            now += 50 * MS;                     // the audio thread runs again and finishes the block
            assertEquals(0, m.observe(now, true, 2), "progress clears the stall");
            now += 50 * MS;
            assertEquals(0, m.observe(now, false, 2), "between blocks: not stalled");
        }
    }

    @Test
    void progressOrLeavingTheCallClearsTheStall() {
        StallMeter m = new StallMeter(100 * MS);
        m.observe(0, true, 1);
        m.observe(50 * MS, true, 1);
        assertEquals(50 * MS, m.stalledNanos());
        assertEquals(0, m.observe(100 * MS, false, 1));
        assertEquals(0, m.observe(150 * MS, true, 1), "busy again: counted from this sight on");
        assertEquals(50 * MS, m.observe(200 * MS, true, 1));
        m.reset();
        assertEquals(0, m.observe(250 * MS, true, 1), "a reset forgets the thread");
    }
}
