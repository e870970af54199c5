/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.ring.DeviceSide;
import org.vocana.host.ring.RegionLayout;
import org.vocana.host.testeffect.AllocatingEffect;
import org.vocana.host.testeffect.ThrowingEffect;
import org.vocana.host.testeffect.WarmUpSpinEffect;
import org.vocana.host.testeffect.WrongLatencyEffect;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;

/**
 * A device's runtime on a real region with a Java device side, against misbehaving effects and
 * effects that come and go: hangs in control-side calls are abandoned while the device keeps its
 * chain and answers; an effect being removed or updated is never processed after its
 * deactivation; fault reports say who, where and why; an allocating effect shows; a dead audio
 * thread is replaced.
 */
class DeviceLifecycleTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 128;
    private static final long CONTROL_LIMIT_MS = 300;

    @TempDir
    Path dir;

    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void releaseSpinners() {
        WarmUpSpinEffect.release = true; // abandoned threads may return now (they never touch anything again)
        Hang.release = true;
    }

    private DeviceRuntime start(TestCatalog catalog, String chain) throws Exception {
        DeviceSettings s = new DeviceSettings("lc", "Lifecycle", RATE, 2, BLOCK, chain, 480, 200);
        return new DeviceRuntime(s, catalog, dir.resolve("vocana"), 200, CONTROL_LIMIT_MS, events::add);
    }

    /** Feeds blocks of a constant and reads what comes back until {@code done} or 10 s; returns frames read. */
    static long pump(DeviceSide device, BooleanSupplier done) {
        float[] out = new float[BLOCK * 2];
        float[] in = new float[BLOCK * 2];
        java.util.Arrays.fill(out, 0.25f);
        long received = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            if (device.space() >= BLOCK) {
                device.write(out, BLOCK);
            }
            int n = Math.min(device.available(), BLOCK);
            if (n > 0) {
                received += device.read(in, n);
            }
            sleep(1);
        }
        return received;
    }

    /** Streams for {@code millis}; returns frames read. */
    static long pumpFor(DeviceSide device, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        return pump(device, () -> System.nanoTime() > end);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private long count(String text) {
        return events.stream().filter(e -> e.contains(text)).count();
    }

    /** Passes audio; its deactivate never returns until released (an Effect that does not extend AbstractEffect). */
    static final class Hang implements Effect {
        static volatile boolean release;
        private static final EffectDescriptor D = new EffectDescriptor("hang-down", "Hang in deactivate", "test", "0.9",
                List.of());

        @Override
        public EffectDescriptor descriptor() {
            return D;
        }

        @Override
        public void activate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        public void deactivate() {
            while (!release) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void reset() {
        }

        @Override
        public void process(float[][] in, float[][] out, int frames) {
            for (int c = 0; c < in.length; c++) {
                System.arraycopy(in[c], 0, out[c], 0, frames);
            }
        }

        @Override
        public void setParameter(int index, double value) {
            throw new IllegalArgumentException("no parameters");
        }

        @Override
        public double parameter(int index) {
            throw new IllegalArgumentException("no parameters");
        }

        @Override
        public int latencyFrames() {
            return 0;
        }

        @Override
        public int tailFrames() {
            return 0;
        }
    }

    /**
     * Counts every call that breaks the lifecycle (process before activate or after deactivate)
     * instead of throwing, and tracks its live instances.
     */
    static class Probe extends AbstractEffect {
        static final AtomicInteger misuse = new AtomicInteger();
        static final Set<Probe> made = ConcurrentHashMap.newKeySet();
        private volatile boolean on;

        Probe() {
            this("1.0.0");
        }

        Probe(String version) {
            super(new EffectDescriptor("probe", "Probe", "test", version, List.of()));
            made.add(this);
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
            on = true;
        }

        @Override
        protected void onDeactivate() {
            on = false;
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            if (!on) {
                misuse.incrementAndGet();
            }
            for (int c = 0; c < channels(); c++) {
                for (int i = 0; i < frames; i++) {
                    out[c][i] = in[c][i] * 0.5f;
                }
            }
        }

        boolean on() {
            return on;
        }
    }

    /** Version 2 of the probe: new code, same id. */
    static final class Probe2 extends Probe {
        Probe2() {
            super("2.0.0");
        }
    }

    @Test
    void aHangInWarmUpIsAbandonedTheDeviceKeepsItsChainAndAnswersAtOnce() throws Exception {
        WarmUpSpinEffect.release = false;
        TestCatalog catalog = TestCatalog.builtIns().add(WarmUpSpinEffect::new);
        Path region;
        try (DeviceRuntime rt = start(catalog, "gain:gainDb=-6");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            region = rt.region().file();
            pump(device, () -> rt.blocks() > 50);
            var before = rt.engine().player().current();

            long[] answered = new long[1];
            long t0 = System.nanoTime();
            Thread asker = Thread.ofPlatform().start(() -> {
                sleep(20); // the edit holds the control thread by now
                rt.stats();
                answered[0] = System.nanoTime();
            });
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> rt.setChain(ChainSpec.parse("gain:gainDb=-6,test-spin-warm")));
            asker.join(5_000);
            long hangToAnswer = (answered[0] - t0) / 1_000_000;
            System.out.println("DeviceLifecycleTest: hang in warm-up to an answer from the control thread: " + hangToAnswer
                    + " ms (limit " + CONTROL_LIMIT_MS + " ms)");
            assertTrue(hangToAnswer >= CONTROL_LIMIT_MS && hangToAnswer < CONTROL_LIMIT_MS + 700,
                    "the device answered " + hangToAnswer + " ms after the hang began");
            assertTrue(refused.getMessage().startsWith("effect 'test-spin-warm' hung in warm-up (reported above); the device"
                    + " keeps its chain gain:gainDb=-6"), refused.getMessage());
            assertEquals(1, count("stuck in warm-up"), events.toString());
            String report = events.stream().filter(e -> e.contains("stuck in warm-up")).findFirst().orElseThrow();
            assertTrue(report.startsWith("effect 'test-spin-warm' 1.0.0 (position 2) stuck in warm-up for ")
                    && report.contains(" ms: abandoned its thread vocana-effects-lc (") && report.contains(
                    "; the device keeps its chain gain; 'test-spin-warm' is left out of this device's chains until its bundle is"
                            + " updated or it is re-enabled (vocana enable)"), report);
            assertEquals("gain:gainDb=-6", rt.chainText(), "the configured chain is the last good one");
            assertSame(before, rt.engine().player().current(), "the running chain is untouched");
            long got = pumpFor(device, 1_000);
            assertTrue(got > 100 * BLOCK, "audio flows on: " + got);

            // the effect is left out of later chains (one line), not tried again
            rt.setChain(ChainSpec.parse("gain:gainDb=-6,test-spin-warm,limiter"));
            assertEquals(1, count("stuck in warm-up"), "no second hang: " + events);
            assertTrue(events.contains("effect 'test-spin-warm' left out of the chain: hung in warm-up at "
                    + events.stream().filter(e -> e.startsWith("effect 'test-spin-warm' left out")).findFirst().orElseThrow()
                    .substring("effect 'test-spin-warm' left out of the chain: hung in warm-up at ".length())), events.toString());
            DeviceStats stats = rt.stats();
            assertTrue(stats.effects().get(1).leftOut().startsWith("hung in warm-up at "), stats.describe());
            assertTrue(stats.effects().get(1).lastFault().contains("stuck in warm-up for "), stats.describe());
            pump(device, () -> rt.engine().player().current().size() == 2);
            assertEquals(List.of("gain", "limiter"), List.of(rt.engine().player().current().label(0).id(),
                    rt.engine().player().current().label(1).id()));
        }
        assertFalse(Files.exists(region), "closing removed the region although a worker is stuck");
    }

    @Test
    void aHangInDeactivateIsAbandonedAndTheDeviceGoesOn() throws Exception {
        Hang.release = false;
        TestCatalog catalog = TestCatalog.builtIns().add(Hang::new);
        Path region;
        try (DeviceRuntime rt = start(catalog, "gain,hang-down");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            region = rt.region().file();
            pump(device, () -> rt.blocks() > 50);
            rt.setChain(ChainSpec.parse("gain")); // the old chain retires: its deactivate hangs on the worker
            pump(device, () -> count("stuck in deactivate") == 1);
            assertTrue(events.stream().anyMatch(e -> e.startsWith("effect 'hang-down' 0.9 (position 2) stuck in deactivate for ")),
                    events.toString());
            long t0 = System.nanoTime();
            assertEquals("gain", rt.chainText());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 200, "the control thread answers");
            rt.setChain(ChainSpec.parse("gain:gainDb=-3,limiter"));
            long got = pumpFor(device, 1_000);
            assertTrue(got > 100 * BLOCK, "audio flows on: " + got);
        }
        assertFalse(Files.exists(region));
    }

    @Test
    void anEffectRemovedOrUpdatedIsNeverProcessedAfterItsDeactivation() throws Exception {
        Probe.misuse.set(0);
        Probe.made.clear();
        TestCatalog catalog = TestCatalog.builtIns().add(Probe::new);
        try (DeviceRuntime rt = start(catalog, "probe,gain");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> rt.blocks() > 50);
            // audio flows (another thread plays the device side) while the effect is updated and removed
            java.util.concurrent.atomic.AtomicBoolean flowing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread player = Thread.ofPlatform().start(() -> pump(device, () -> !flowing.get()));
            for (int round = 0; round < 6; round++) {
                long b = rt.blocks();
                while (rt.blocks() < b + 30) {
                    sleep(1);
                }
                // an update: the new provider arrives, the catalog tells the device synchronously
                Set<Probe> old = Set.copyOf(Probe.made);
                catalog.add(round % 2 == 0 ? Probe2::new : Probe::new);
                for (Probe p : old) {
                    assertFalse(p.on(), "round " + round + ": every old instance is deactivated when add() returns");
                    p.deactivate(); // as Declarative Services does when the old bundle stops
                }
                long b1 = rt.blocks();
                while (rt.blocks() < b1 + 5) {
                    sleep(1);
                }
                assertEquals(round % 2 == 0 ? Probe2.class : Probe.class, rt.engine().player().current().effect(0).getClass(),
                        "the new code runs, round " + round + ": " + events);
            }
            Set<Probe> old = Set.copyOf(Probe.made);
            catalog.remove("probe");
            old.forEach(p -> assertFalse(p.on(), "deactivated when remove() returns"));
            old.forEach(Probe::deactivate);
            long b3 = rt.blocks();
            while (rt.blocks() < b3 + 5) {
                sleep(1);
            }
            assertEquals(1, rt.engine().player().current().size());
            catalog.add(Probe::new);
            long b4 = rt.blocks();
            while (rt.blocks() < b4 + 30) {
                sleep(1);
            }
            flowing.set(false);
            player.join(11_000);
            // no audio flows now: nothing retires the chain at a block boundary, so it is revoked
            sleep(100);
            Set<Probe> idle = Set.copyOf(Probe.made);
            catalog.remove("probe");
            idle.forEach(p -> assertFalse(p.on(), "deactivated although no block came"));
            idle.forEach(Probe::deactivate);
            long b5 = rt.blocks();
            pump(device, () -> rt.blocks() > b5 + 50); // audio again: the first blocks must not touch the probe
            DeviceStats stats = rt.stats();
            assertEquals(0, Probe.misuse.get(), "no process() outside activate..deactivate");
            assertEquals(0, stats.faults(), stats.describe() + " " + events);
            assertEquals(0, count("threw"), events.toString());
            assertEquals(9, events.stream().filter(e -> e.startsWith("installed effects changed")).count(), events.toString());
        }
    }

    @Test
    void aFaultReportNamesTheEffectItsVersionItsConfiguredPositionAndTheException() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns().add(ThrowingEffect::new);
        try (DeviceRuntime rt = start(catalog, "absent,test-throw,gain");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> count("threw") >= 1);
            String line = events.stream().filter(e -> e.contains("threw")).findFirst().orElseThrow();
            System.out.println("DeviceLifecycleTest: sample fault report: " + line);
            assertTrue(line.startsWith("effect 'test-throw' 1.0.0 (position 2) threw java.lang.IllegalStateException: test-throw:"
                    + " deliberate failure after "), line);
            assertTrue(line.contains(" frames at org.vocana.host.testeffect.ThrowingEffect.misbehave(ThrowingEffect.java:")
                    && line.contains(" < org.vocana.host.testeffect.Misbehaving.render(Misbehaving.java:"), line);
            assertTrue(line.endsWith("; fault 1 of 3, bypassed, reset and faded back in after 1 s"), line);
            DeviceStats.EffectStats e = rt.stats().effects().get(1);
            assertEquals("test-throw", e.id());
            assertTrue(e.lastFault().matches("\\d\\d:\\d\\d:\\d\\d: threw java.lang.IllegalStateException: .*"), e.lastFault());
            assertTrue(rt.stats().describe().contains("\n      last fault "), rt.stats().describe());
        }
    }

    @Test
    void anAllocatingEffectIsReportedOnceAndItsRateShowsInTheStats() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns().add(AllocatingEffect::new);
        try (DeviceRuntime rt = start(catalog, "gain,test-alloc");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> count("allocates on the audio thread") >= 1 && rt.stats().effects().get(1).allocationRate() > 0);
            long b = rt.blocks();
            pump(device, () -> rt.blocks() > b + 800); // two more seconds
            assertEquals(1, count("allocates on the audio thread"), events.toString());
            assertTrue(events.stream().anyMatch(e -> e.startsWith("effect 'test-alloc' 1.0.0 (position 2) allocates on the audio"
                    + " thread: ")), events.toString());
            DeviceStats stats = rt.stats();
            assertTrue(stats.effects().get(1).allocationRate() > 50_000, stats.describe());
            assertEquals(0, stats.effects().get(0).allocationRate(), "gain allocates nothing: " + stats.describe());
            assertTrue(stats.describe().contains("2 test-alloc") && stats.describe().contains("kB/s"), stats.describe());
        }
    }

    @Test
    void anEffectReportingAnImpossibleLatencyIsLeftOutOrRefused() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns().add(WrongLatencyEffect::new);
        try (DeviceRuntime rt = start(catalog, "gain,test-latency,limiter");
             DeviceSide device = DeviceSide.attach(rt.region().file())) {
            pump(device, () -> rt.blocks() > 20);
            assertTrue(events.stream().anyMatch(e -> e.startsWith("effect 'test-latency' left out of the chain: reports a latency"
                    + " of -5 frames; accepted 0..480000 (10 s)")), events.toString());
            assertEquals(2, rt.engine().player().current().size());
        }
        events.clear();
        try (DeviceRuntime rt = start(catalog, "gain")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rt.setChain(ChainSpec.parse("gain,test-latency")));
            assertEquals("effect 'test-latency' 1.0.0 (position 2) reports a latency of -5 frames; accepted 0..480000 (10 s)",
                    e.getMessage());
            assertEquals("gain", rt.chainText());
        }
    }

    /**
     * The region as a POSIX shared-memory object (the macOS transport, also on Linux): unlike the
     * sealed memfd of the file transport it can be truncated under the host, which is how an
     * audio thread dies of InternalError in the field.
     */
    @Test
    void anAudioThreadThatDiesIsReplacedAndTheDeviceStreamsOn() throws Exception {
        TestCatalog catalog = TestCatalog.builtIns();
        String id = "lc" + ProcessHandle.current().pid();
        Path object = Path.of("/dev/shm/vocana." + id);
        String before = System.getProperty(org.vocana.host.ring.RegionTransport.PROPERTY);
        System.setProperty(org.vocana.host.ring.RegionTransport.PROPERTY, "shm");
        DeviceSettings s = new DeviceSettings(id, "Lifecycle", RATE, 2, BLOCK, "gain:gainDb=-6", 480, 200);
        try (DeviceRuntime rt = new DeviceRuntime(s, catalog, null, 200, CONTROL_LIMIT_MS, events::add);
             DeviceSide device = DeviceSide.attach(object)) {
            pump(device, () -> rt.blocks() > 50);
            var first = rt.engine();
            long size = Files.size(object);
            long fromHost = RegionLayout.ringDataOffset(rt.region().capacityFrames(), 2, RegionLayout.RING_FROM_HOST);
            try (RandomAccessFile f = new RandomAccessFile(object.toFile(), "rw")) {
                f.setLength(fromHost); // the "from host" ring's pages are gone: the audio thread faults writing them
                float[] out = new float[BLOCK * 2];
                long end = System.nanoTime() + 3_000_000_000L;
                while (count("the audio thread died of") == 0 && System.nanoTime() < end) {
                    if (device.space() >= BLOCK) {
                        device.write(out, BLOCK); // the "to host" ring is intact; nothing is read from the other
                    }
                    sleep(1);
                }
                sleep(200); // replacements die too while the object is short
                f.setLength(size);
            }
            sleep(1_200); // the region self-check (once a second) may have re-created the region meanwhile
            assertTrue(events.stream().anyMatch(e -> e.startsWith("the audio thread died of java.lang.InternalError: ")
                    && e.contains("a new audio thread took over (restart 1")), events.toString());
            assertNotSame(first, rt.engine());
            long blocks = rt.stats().blocks();
            boolean recreated = count("re-created it") > 0;
            DeviceSide side = recreated ? DeviceSide.attach(object) : device;
            long got = pumpFor(side, 3_000);
            if (side != device) {
                side.close();
            }
            assertTrue(got > 500 * BLOCK, "streaming on after the region was whole again: " + got + " frames; " + events);
            DeviceStats stats = rt.stats();
            assertTrue(stats.restarts() >= 1 && stats.blocks() > blocks + 500, stats.describe());
            assertTrue(stats.describe().contains("audio thread restarts "), stats.describe());
        } finally {
            if (before == null) {
                System.clearProperty(org.vocana.host.ring.RegionTransport.PROPERTY);
            } else {
                System.setProperty(org.vocana.host.ring.RegionTransport.PROPERTY, before);
            }
            Files.deleteIfExists(object);
        }
    }
}
