/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** One line per fault: who (id, version, configured position), why, and an exception's class, message and top frames. */
class FaultReportsTest {

    private static IllegalStateException thrownHere() {
        return new IllegalStateException("boom\non two lines");
    }

    @Test
    void anExceptionIsNamedWithItsClassMessageAndTopFramesInOneLine() {
        EffectLabel who = new EffectLabel("gain", "1.2.0", 3);
        FaultLog.Fault f = new FaultLog.Fault(1, who, FaultLog.Reason.THREW, 1, false, 0, thrownHere());
        String line = FaultReports.line(f, 3, 1.0);
        assertTrue(line.startsWith("effect 'gain' 1.2.0 (position 3) threw java.lang.IllegalStateException: boom on two lines"
                + " at org.vocana.host.engine.FaultReportsTest.thrownHere(FaultReportsTest.java:"), line);
        assertTrue(line.contains(" < org.vocana.host.engine.FaultReportsTest.anExceptionIsNamedWithItsClassMessageAndTopFramesInOneLine("),
                line);
        assertTrue(line.endsWith("; fault 1 of 3, bypassed, reset and faded back in after 1 s"), line);
        assertFalse(line.contains("\n"), "one line");
        assertEquals(FaultReports.FRAMES + 1, line.split(" < ").length, "three frames and the ellipsis: " + line);
    }

    @Test
    void otherReasonsAndTheLastFaultSayWhatFollows() {
        EffectLabel who = new EffectLabel("nan", "2", 1);
        assertEquals("effect 'nan' 2 (position 1) output NaN or infinity; fault 3 of 3, disabled until re-enabled (vocana enable)",
                FaultReports.line(new FaultLog.Fault(0, who, FaultLog.Reason.NON_FINITE, 3, true, 0, null), 3, 1.0));
        assertEquals("effect 'nan' 2 (position 1) exceeded its time budget on consecutive blocks; fault 1 of 3, bypassed, reset"
                + " and faded back in after 1 s", FaultReports.line(new FaultLog.Fault(0, who, FaultLog.Reason.TOO_SLOW, 1,
                false, 0, null), 3, 1.0));
    }

    @Test
    void aStacklessExceptionOrALongMessageStaysReadable() {
        Exception stackless = new RuntimeException("x".repeat(500), null, false, false) { };
        String d = FaultReports.describe(stackless);
        assertTrue(d.contains("xxx...") && d.length() < 400, d);
        assertTrue(d.endsWith("(no stack trace: the JVM reuses this exception, or it was made without one)"), d);
        String caused = FaultReports.describe(new IllegalArgumentException("outer", new java.io.IOException("inner")));
        assertTrue(caused.endsWith("; caused by java.io.IOException: inner"), caused);
    }
}
