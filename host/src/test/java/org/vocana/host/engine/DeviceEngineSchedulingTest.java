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
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

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

    /** Passes audio through; once {@code spin} is set, spins until released. */
    static final class Spinning extends AbstractEffect {
        static volatile boolean spin;
        static volatile boolean release;

        Spinning() {
            super(new EffectDescriptor("spin", "Spin", "test", "1", List.of()));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            while (spin && !release) {
                Thread.onSpinWait();
            }
            for (int c = 0; c < channels(); c++) {
                System.arraycopy(in[c], 0, out[c], 0, frames);
            }
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty(Realtime.PRIORITY_PROPERTY);
        System.clearProperty(Realtime.ABANDONED_PROPERTY);
        Spinning.release = true;
    }

    @Test
    void theAudioThreadRunsSchedFifoAtTheConfiguredPriorityAndAnAbandonedOneEndsSchedIdle() throws Exception {
        System.setProperty(Realtime.PRIORITY_PROPERTY, "61");
        System.setProperty(Realtime.ABANDONED_PROPERTY, "idle");
        Spinning.spin = false;
        Spinning.release = false;
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

            TestCatalog catalog = TestCatalog.builtIns().add(Spinning::new);
            player.submit(Chain.activate(new ChainResolver(catalog).instantiate(ChainSpec.parse("spin")), RATE, BLOCK, 2));
            Spinning.spin = true;
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
            Spinning.release = true;
            assertTrue(engine.stop(), "the released thread exits");
        }
    }
}
