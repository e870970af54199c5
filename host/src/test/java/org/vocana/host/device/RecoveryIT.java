/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's stall tests with the real host and real clients: aplay plays seeded noise into
 * {@code -D vocana} while arecord records it back through the host, and in the middle the watchdog
 * replaces the audio thread (an effect that spins after 6 s; the watchdog removes it, so the chain
 * is empty afterwards), then the host is stopped (SIGSTOP) for 0.35 s and for 3 s ({@link
 * RecoveryRun}; 1 s is {@link DeviceMatrixIT}'s). Judged on the recording, one run, no retry:
 * <ul>
 * <li>one constant offset before and after every interruption, bit-exact;</li>
 * <li>where audio was lost, only silence;</li>
 * <li>each interruption costs at most its length plus 100 ms (the watchdog: its 300 ms limit plus
 * 100 ms): the output is back within 100 ms of the host running again;</li>
 * <li>no client reports an xrun, and nothing else is lost but what a late host may cost on a shared
 * machine (silence, at most 100 ms at a time, as {@link DeviceMatrixIT} allows).</li>
 * </ul>
 * {@code ./vocana bench recovery [RUNS]} measures the same interruptions (and a 1 s stop) RUNS times.
 */
class RecoveryIT {

    @TempDir
    Path dir;

    @Test
    void theOutputIsBackWithin100MsOfEachInterruptionAtTheSameOffset() throws Exception {
        assertTrue(Files.exists(AlsaTestBase.PLUGIN), "the ALSA plugin is built by the hal-plugin module: " + AlsaTestBase.PLUGIN);
        try (RecoveryRun run = new RecoveryRun(dir, AlsaTestBase.PLUGIN, System.getProperty("vocana.java", "java"),
                Path.of(System.getProperty("vocana.jar")))) {
            run.startHost(true, 6);
            RecoveryRun.Result r = run.run(List.of(0.35, 3.0));
            String load = RecoveryRun.loadAverage();
            List<String> failures = new ArrayList<>(r.problems());
            System.out.printf(Locale.ROOT, "recovery: offset %d frames (%d before the interruptions), %d frames judged,"
                    + " load average %s%n", r.offset(), r.offsetBefore(), r.judged(), load);
            for (RecoveryRun.Episode e : r.episodes()) {
                System.out.println("recovery: " + e);
                if (e.start() < 0 || e.notSilent() != 0 || e.extentMs() > e.allowedMs()) {
                    failures.add(e + " (allowed: silence, at most " + e.allowedMs() + " ms)");
                }
            }
            for (long[] s : r.stray()) {
                String what = String.format(Locale.ROOT, "loss near no interruption: %.3f s, %d frames, %d not silence",
                        s[0] / (double) RecoveryRun.RATE, s[1], s[2]);
                System.out.println("recovery: " + what);
                if (s[2] != 0 || s[1] > RecoveryRun.RATE / 10) {
                    failures.add(what);
                }
            }
            assertTrue(r.offset() >= 0, "the input's end is in the recording: " + failures + "\n" + r.hostLog());
            assertEquals(r.offset(), r.offsetBefore(), "the same offset before and after the interruptions");
            assertEquals(3, r.episodes().size(), "an episode per interruption: " + r.episodes() + "\n" + failures);
            assertTrue(failures.isEmpty(), String.join("\n", failures) + "\nhost: " + r.hostLog());
        }
    }
}
