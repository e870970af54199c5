/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.testeffect.SpinningEffect;

/**
 * A device's audio thread at the default SCHED_FIFO 70 and, with {@code -Dvocana.rt.nice=-11}, its
 * other threads at nice -11, said once at start and in the stats; the watchdog's abandoned thread ends SCHED_OTHER at nice 0 (the
 * default; read back from /proc) while its replacement runs SCHED_FIFO 70. Needs CAP_SYS_NICE, or
 * RLIMIT_RTPRIO >= 70 and RLIMIT_NICE >= 31 (CI runs as root): without it, it fails.
 */
class DeviceRuntimeSchedulingTest {

    @TempDir
    Path dir;

    /** The nice value of this process's first thread whose name starts with {@code name}. */
    private static int niceOf(String name) throws Exception {
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String comm;
                try {
                    comm = java.nio.file.Files.readString(t.resolve("comm")).strip();
                } catch (java.io.IOException gone) {
                    continue;
                }
                if (comm.startsWith(name)) {
                    return Realtime.policyOf(Integer.parseInt(t.getFileName().toString())).nice();
                }
            }
        }
        throw new AssertionError("no thread named " + name);
    }

    @Test
    void theWatchdogsAbandonedThreadEndsAtNormalPriorityAndItsReplacementRunsSchedFifo() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        SpinningEffect.switchOff();
        DeviceSettings s = new DeviceSettings("sched", "Sched", 48_000, 2, 128, "gain,spin", 480, 200);
        System.setProperty(Realtime.NICE_PROPERTY, "-11");
        try (DeviceRuntime rt = new DeviceRuntime(s, TestCatalog.builtIns().add(SpinningEffect::new), dir.resolve("vocana"), 200,
                events::add);
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            assertEquals("audio thread SCHED_FIFO 70, other threads nice -11", events.get(0),
                    "the device's first line (needs root, or RLIMIT_RTPRIO >= 70 and RLIMIT_NICE >= 31): " + events);
            assertEquals(-11, niceOf("vocana-control-"), "the device's control thread");
            assertEquals(-11, niceOf("VM Thread"), "the JVM's safepoint thread");
            assertEquals("SCHED_FIFO 70", rt.stats().scheduling());
            assertTrue(rt.stats().describe().contains("\n  audio thread SCHED_FIFO 70\n"), rt.stats().describe());
            var stuck = rt.engine();
            int tid = stuck.scheduling().tid();
            assertEquals("SCHED_FIFO 70", Realtime.policyOf(tid).describe());

            SpinningEffect.spin = true;
            float[] out = new float[256];
            float[] in = new float[256];
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!stuck.abandoned() && System.nanoTime() < deadline) {
                if (device.space() >= 128) {
                    device.write(out, 128);
                }
                device.read(in, Math.min(device.available(), 128));
                Thread.sleep(1);
            }
            assertTrue(stuck.abandoned(), "the watchdog abandoned the stuck thread: " + events);
            long until = System.nanoTime() + 5_000_000_000L;
            String demoted = "the stuck audio thread now runs SCHED_OTHER at nice 0 (no longer real-time;"
                    + " -Dvocana.rt.abandoned=idle for SCHED_IDLE)";
            while (!events.contains(demoted) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(events.contains(demoted), events.toString());
            Realtime.ThreadPolicy lost = Realtime.policyOf(tid);
            assertEquals("SCHED_OTHER", lost.describe(), "the abandoned thread, still spinning");
            assertEquals(0, lost.nice(), "the abandoned thread's nice");
            assertNotSame(stuck, rt.engine());
            assertEquals("SCHED_FIFO 70", Realtime.policyOf(rt.engine().scheduling().tid()).describe(), "its replacement");
        } finally {
            SpinningEffect.release = true;
            System.clearProperty(Realtime.NICE_PROPERTY);
        }
    }
}
