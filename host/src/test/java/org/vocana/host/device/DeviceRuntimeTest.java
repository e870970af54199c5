/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.ring.DeviceSide;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/**
 * A device's runtime on a real region with a Java device side: the watchdog replaces an audio
 * thread stuck in an effect, an uninstalled effect leaves the chain (and comes back), parameter
 * edits apply live without a new chain, stats count what happened.
 */
class DeviceRuntimeTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 128;

    @TempDir
    Path dir;

    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Passes audio through; once {@code hang} is set, never returns from process until released. */
    static final class Hanging extends AbstractEffect {
        static volatile boolean hang;
        static volatile boolean release;

        Hanging() {
            super(new EffectDescriptor("hang", "Hang", "test", "1",
                    List.of()));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            while (hang && !release) {
                Thread.onSpinWait();
            }
            for (int c = 0; c < channels(); c++) {
                System.arraycopy(in[c], 0, out[c], 0, frames);
            }
        }
    }

    /** Passes audio through, spinning for 80 % of a 128-frame period per block. */
    static final class Heavy extends AbstractEffect {
        Heavy() {
            super(new EffectDescriptor("heavy", "Heavy", "test", "1", List.of()));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            long until = System.nanoTime() + 2_130_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            for (int c = 0; c < channels(); c++) {
                System.arraycopy(in[c], 0, out[c], 0, frames);
            }
        }
    }

    private DeviceRuntime start(TestCatalog catalog, String chain) throws Exception {
        DeviceSettings s = new DeviceSettings("rt", "Runtime", RATE, 2, BLOCK, chain, 480, 200);
        return new DeviceRuntime(s, catalog, dir.resolve("vocana"), 200, events::add);
    }

    /** Feeds blocks of a constant and reads what comes back until {@code done} or 10 s; returns frames read. */
    private static long pump(DeviceSide device, BooleanSupplier done) {
        return pump(device, done, Long.MAX_VALUE);
    }

    /** As {@link #pump(DeviceSide, BooleanSupplier)}, stopping after {@code limit} frames read. */
    private static long pump(DeviceSide device, BooleanSupplier done, long limit) {
        float[] out = new float[BLOCK * 2];
        float[] in = new float[BLOCK * 2];
        java.util.Arrays.fill(out, 0.25f);
        long received = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && received < limit && System.nanoTime() < deadline) {
            if (device.space() >= BLOCK) {
                device.write(out, BLOCK);
            }
            int n = (int) Math.min(Math.min(device.available(), BLOCK), limit - received);
            if (n > 0) {
                received += device.read(in, n);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return received;
    }

    @Test
    void theWatchdogReplacesAStuckAudioThreadWithoutTheCulprit() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns().add(Hanging::new);
        Hanging.hang = false;
        Hanging.release = false;
        try (DeviceRuntime rt = start(catalog, "gain:gainDb=-6,hang,limiter");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            long before = rt.blocks();
            pump(device, () -> rt.blocks() > before + 50);
            var stuck = rt.engine();
            Hanging.hang = true;
            pump(device, () -> rt.stats().stalls() == 1);
            assertTrue(stuck.abandoned(), "the stuck engine was abandoned");
            assertNotSame(stuck, rt.engine(), "a new engine runs");
            assertEquals("gain:gainDb=-6,limiter", rt.chainText(), "the culprit left the chain");
            long got = pump(device, () -> false, 100 * BLOCK);
            assertEquals(100 * BLOCK, got, "audio flows again");
            assertTrue(events.stream().anyMatch(e -> e.startsWith("effect 'hang' 1 (position 2) stalled the audio thread for ")
                    && e.endsWith("removed from the chain, audio resumed on a new thread (the stuck thread is abandoned)")),
                    events.toString());
            DeviceStats stats = rt.stats();
            assertEquals(1, stats.stalls());
            assertEquals(List.of("gain", "limiter"), stats.effects().stream().map(DeviceStats.EffectStats::id).toList());
        } finally {
            Hanging.release = true; // let the lost thread return: it must not touch the rings (it exits)
        }
    }

    @Test
    void anUninstalledEffectLeavesTheChainAndComesBackWhenInstalledAgain() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns();
        try (DeviceRuntime rt = start(catalog, "highpass,gain:gainDb=-6,limiter");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> rt.blocks() > 20);
            assertEquals(3, catalog.live);
            catalog.remove("gain");
            pump(device, () -> catalog.live == 2);
            assertEquals(2, catalog.live, "the old chain was retired and closed; highpass and limiter are new instances");
            assertEquals("highpass,gain:gainDb=-6,limiter", rt.chainText(), "the configured chain is kept");
            DeviceStats.EffectStats gain = rt.stats().effects().get(1);
            assertFalse(gain.installed());
            assertTrue(events.contains("installed effects changed: chain now highpass,limiter"), events.toString());
            catalog.add(org.vocana.effect.gain.GainEffect::new);
            pump(device, () -> catalog.live == 3);
            assertTrue(rt.stats().effects().get(1).installed());
            assertTrue(events.contains("installed effects changed: chain now highpass,gain,limiter"), events.toString());
        }
        assertEquals(0, catalog.live, "closing the device released every instance");
    }

    @Test
    void parameterAndBypassEditsApplyToTheRunningChain() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns();
        try (DeviceRuntime rt = start(catalog, "gain:gainDb=-6,limiter");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> rt.blocks() > 20);
            var chain = rt.engine().player().current();
            long swaps = rt.engine().player().swaps();
            rt.setChain(ChainSpec.parse("gain:gainDb=3:bypass,limiter"));
            pump(device, () -> rt.blocks() > 60);
            assertSame(chain, rt.engine().player().current(), "no new chain for a parameter edit");
            assertEquals(swaps, rt.engine().player().swaps());
            assertEquals(3.0, chain.effect(0).parameter(0));
            assertTrue(rt.stats().effects().get(0).bypassed());
            rt.setChain(ChainSpec.parse("gain:gainDb=3:bypass,limiter:lookaheadMs=5"));
            pump(device, () -> rt.engine().player().swaps() > swaps);
            assertNotSame(chain, rt.engine().player().current(), "a lookahead change alters the latency: new chain");
            assertEquals(240, rt.latencyFrames(), "5 ms at 48 kHz");
            long swaps2 = rt.engine().player().swaps();
            rt.setChain(ChainSpec.parse("limiter,gain:gainDb=3"));
            // the swap is counted when the new chain takes over; its first block may still be running
            pump(device, () -> rt.engine().player().swaps() > swaps2 && rt.stats().effects().get(0).time().count() > 0);
            assertNotSame(chain, rt.engine().player().current(), "a new order is a new chain");
            DeviceStats stats = rt.stats();
            assertTrue(stats.blockTime().count() > 0 && stats.blockTime().max() >= stats.blockTime().p50());
            assertTrue(stats.effects().get(0).time().count() > 0, "per-effect times are recorded");
            assertEquals(0, stats.fromHostOverruns());

            // the same figures over JMX
            var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            var name = DeviceRuntime.objectName("rt");
            assertEquals("limiter,gain:gainDb=3", server.getAttribute(name, "Chain"));
            assertTrue((Long) server.getAttribute(name, "Blocks") >= stats.blocks());
            assertEquals(96, server.getAttribute(name, "LatencyFrames"));
            assertTrue((Double) server.getAttribute(name, "BlockTimeMaxMicros") > 0);
            String[] effects = (String[]) server.getAttribute(name, "Effects");
            assertTrue(effects[0].startsWith("1 limiter p99 ") && effects[1].startsWith("2 gain p99 "),
                    java.util.Arrays.toString(effects));
        }
        assertFalse(java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .isRegistered(DeviceRuntime.objectName("rt")), "unregistered when the device closes");
    }

    @Test
    void underOverloadOptionalEffectsAreShedBeforeTheyFault() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns().add(Heavy::new);
        try (DeviceRuntime rt = start(catalog, "gain,heavy:optional,limiter");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> rt.stats().overloads() >= 1 && rt.engine().shedding());
            DeviceStats stats = rt.stats();
            assertTrue(stats.overloads() >= 1, "overload detected: " + stats.describe());
            assertTrue(stats.shedding(), "optional effect shed");
            assertEquals(0, stats.effects().get(1).faults(), "shed, not faulted: " + stats.describe());
            long blocks = rt.blocks();
            pump(device, () -> rt.blocks() > blocks + 100);
            assertTrue(rt.stats().blockTime().p50() < 1_000_000, "while shed, blocks are fast: " + rt.stats().describe());
        }
    }
}
