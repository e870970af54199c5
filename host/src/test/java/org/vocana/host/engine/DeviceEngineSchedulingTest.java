/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.testeffect.SpinningEffect;

/**
 * The audio thread runs SCHED_FIFO at {@code -Dvocana.rt.priority} (read back from /proc), and
 * with {@code -Dvocana.rt.abandoned=idle} an abandoned one ends SCHED_IDLE. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least 61 (CI
 * runs as root); without it the test fails with the reason.
 */
class DeviceEngineSchedulingTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 128;

    @TempDir
    Path dir;

    @org.junit.jupiter.api.AfterEach
    void clearProperties() {
        // the settings are system properties: no other test may inherit them
        System.clearProperty(Realtime.PRIORITY_PROPERTY);
        System.clearProperty(Realtime.ABANDONED_PROPERTY);
    }

    @Test
    void theAudioThreadRunsSchedFifoAtTheConfiguredPriorityAndAnAbandonedOneEndsSchedIdle() throws Exception {
        System.setProperty(Realtime.PRIORITY_PROPERTY, "61");
        System.setProperty(Realtime.ABANDONED_PROPERTY, "idle");
        SpinningEffect.switchOff();
        try (DeviceRegion region = DeviceRegion.create(dir.resolve("vocana"), "sched", "Sched", RATE, 2, BLOCK,
                DeviceRegion.newGeneration());
             DeviceSide device = DeviceSide.attach(region.file())) {
            ChainPlayer player = new ChainPlayer(2, BLOCK, 480);
            DeviceEngine engine = new DeviceEngine(region, player, BLOCK);
            Realtime.Scheduling s = engine.scheduling();
            assertTrue(s.realtime(), "the audio thread did not get SCHED_FIFO 61 (needs root or RLIMIT_RTPRIO >= 61): " + s);
            assertEquals("SCHED_FIFO 61", s.description());
            Realtime.ThreadPolicy running = Realtime.policyOf(s.tid());
            assertTrue(running.fifo(), running.describe());
            assertEquals(61, running.rtPriority(), running.describe());
            assertEquals(-62, running.priority(), running.describe());

            TestCatalog catalog = TestCatalog.builtIns().add(SpinningEffect::new);
            player.submit(Chain.activate(new ChainResolver(catalog).instantiate(ChainSpec.parse("spin")), RATE, BLOCK, 2));
            SpinningEffect.spin = true;
            float[] out = new float[BLOCK * 2];
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (engine.stalledNanos() < 50_000_000L && System.nanoTime() < deadline) {
                if (device.space() >= BLOCK) {
                    device.write(out, BLOCK);
                }
                Thread.sleep(1);
            }
            assertTrue(engine.stalledNanos() >= 50_000_000L, "the audio thread is stuck in the spinning effect");
            assertTrue(Realtime.policyOf(s.tid()).fifo(), "still SCHED_FIFO while stuck");
            assertTrue(engine.abandon());
            assertEquals("now runs SCHED_IDLE (only when nothing else wants the CPU)", engine.demotion());
            Realtime.ThreadPolicy abandoned = Realtime.policyOf(s.tid());
            assertTrue(abandoned.idle(), "the abandoned thread: " + abandoned.describe());
            SpinningEffect.release = true;
            assertTrue(engine.stop(), "the released thread exits");
        }
    }
}
