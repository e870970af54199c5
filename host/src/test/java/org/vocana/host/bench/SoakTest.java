/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short soak in the build: 6 s, 100 random edits, 250 MB/s of garbage beside the audio thread,
 * and two busy processes at normal priority competing for the cores (what CI's own build does to
 * the host). After the first second: 0 device underruns, 0 overruns and 0 deadline misses (the
 * audio thread and the simulator's IO thread run SCHED_FIFO); the audio thread allocates nothing, no
 * effect faults, every edit is applied, and no click is heard.
 */
class SoakTest {

    private static final Path SIM = Path.of("..", "hal-plugin", "build", "vocana-sim").toAbsolutePath().normalize();

    @Test
    void chainEditsUnderAllocationPressureAndTwoBusyLoopsLoseNothingAndDoNotClick(@TempDir Path dir)
            throws Exception {
        assertTrue(Files.isExecutable(SIM), "the simulator is built by the hal-plugin module: " + SIM);
        List<Process> hogs = new ArrayList<>();
        Soak.Result r;
        try {
            for (int i = 0; i < 2; i++) {
                hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
            r = Soak.run(SIM, dir, Double.parseDouble(System.getProperty("soak.seconds", "6")), 100);
        } finally {
            for (Process h : hogs) {
                h.destroyForcibly();
            }
        }
        String report = Soak.Result.header() + "\n" + r.row();
        System.out.println(report);
        assertEquals(100, r.edits(), report);
        assertEquals(0, r.deviceUnderruns(), "device underruns after the first second: " + report);
        assertEquals(0, r.deviceOverruns() + r.hostOverruns(), "overruns after the first second: " + report);
        assertEquals(0, r.deadlineMisses(), "deadline misses after the first second: " + report);
        assertEquals(0, r.audioThreadBytes(), "bytes allocated by the audio thread in the second half: " + report);
        assertTrue(r.earlyAudioThreadBytes() < 16_384, "JIT deoptimisations only (a few hundred bytes each): " + report);
        assertEquals(0, r.faults(), report);
        assertTrue(r.allocatedMegabytes() / r.seconds() >= 200, "allocator rate: " + report);
        assertEquals(0, r.clicks(), "clicks: " + report);
        assertTrue(r.blocks() > r.seconds() * 48_000 / 128 * 9 / 10, report);
    }
}
