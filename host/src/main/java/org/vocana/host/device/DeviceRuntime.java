/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.engine.Chain;
import org.vocana.host.engine.ChainPlayer;
import org.vocana.host.engine.DeviceEngine;
import org.vocana.host.engine.EngineWarmUp;
import org.vocana.host.engine.FaultLog;
import org.vocana.host.engine.FaultPolicy;
import org.vocana.host.engine.TimeSummary;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.RegionException;
import org.vocana.host.ring.RegionTransport;

/**
 * A running device without the OSGi glue: its region, audio engine, chain player, and the control
 * thread that owns every change. All state changes run on that one thread ("vocana-control-ID"):
 * chain edits, housekeeping every 50 ms (retired chains, published latency, fault reports) and the
 * watchdog.
 *
 * <p>Chains: the device holds the configured {@link ChainSpec}; the running chain realises the
 * slots whose effects are installed (missing ones are left out, with a message, until they are
 * installed). An edit that keeps the same effects in the same order only sets parameters and
 * bypass flags on the running instances (the effects smooth them); any other edit builds a new
 * chain and crossfades to it.
 *
 * <p>Watchdog: when the audio thread has been inside the chain for longer than the limit, the
 * engine is abandoned (the lost thread never touches the rings again), the culprit is removed
 * from the spec, and a new engine with a fresh chain resumes on the same rings. Meanwhile the
 * heartbeat stops, so the device side plays silence.
 */
public final class DeviceRuntime implements AutoCloseable {

    static final long HOUSEKEEPING_MILLIS = 50;
    /** Blocks a new chain runs on the control thread before it goes live (the JIT compiles it there). */
    static final int WARM_UP_BLOCKS = 3000;

    private final DeviceSettings settings;
    private final EffectCatalog catalog;
    private final Consumer<String> events;
    private final ScheduledExecutorService control;
    /** The published region; replaced by the self-check when damaged (control thread). */
    private volatile DeviceRegion region;
    private final FaultLog faults = new FaultLog(256);
    private final Runnable catalogListener = this::catalogChanged;
    private final long watchdogNanos;
    private final BoundaryReport inputReport = BoundaryReport.input();
    private final BoundaryReport outputReport = BoundaryReport.output();
    private ObjectName mbeanName;

    private ChainPlayer player;
    private DeviceEngine engine;
    /** The configured chain (may name effects that are not installed). */
    private ChainSpec spec;
    /** The chain last submitted to the player, or null (pass-through). */
    private Chain live;
    /** For each slot of {@link #spec}: its position in {@link #live}, or -1 (not installed). */
    private int[] livePosition = new int[0];
    private long faultCount;
    private long housekeepingRounds;
    private long stalls;
    private final List<Player> abandoned = new ArrayList<>();

    private record Player(ChainPlayer player, DeviceEngine engine) {
    }

    /**
     * Creates the device's region (a file in {@code dir}; when null, by {@link RegionTransport}: a file
     * in the default runtime folder, or the shared-memory object on macOS) and
     * starts the engine with {@code chain}.
     *
     * @param events one-line reports (faults, watchdog, chain problems), without the device prefix
     */
    public DeviceRuntime(DeviceSettings settings, EffectCatalog catalog, Path dir, long watchdogMillis,
                         Consumer<String> events) throws RegionException {
        this.settings = settings;
        this.catalog = catalog;
        this.events = events;
        this.watchdogNanos = watchdogMillis * 1_000_000L;
        if (dir != null) {
            this.region = DeviceRegion.create(dir, settings.id(), settings.name(), settings.sampleRate(),
                    settings.channels(), settings.ioFrames(), DeviceRegion.newGeneration());
        } else if (RegionTransport.forThisSystem() == RegionTransport.SHARED_MEMORY) {
            this.region = DeviceRegion.createShared(settings.id(), settings.name(), settings.sampleRate(),
                    settings.channels(), settings.ioFrames(), DeviceRegion.newGeneration(),
                    DeviceRegion.defaultSharedMode());
        } else {
            this.region = DeviceRegion.create(settings.id(), settings.name(), settings.sampleRate(),
                    settings.channels(), settings.ioFrames());
        }
        EngineWarmUp.once();
        this.control = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("vocana-control-" + settings.id()).unstarted(r));
        try {
            call(() -> {
                player = new ChainPlayer(settings.channels(), settings.ioFrames(), settings.fadeFrames());
                apply(settings.chain().isBlank() ? null : ChainSpec.parse(settings.chain()));
                int nice = Realtime.configuredNice();
                String others = nice == 0 ? "" : ", " + Realtime.system().favourOtherThreads(nice);
                engine = new DeviceEngine(region, player, settings.ioFrames());
                events.accept("audio thread " + engine.scheduling() + others);
                return null;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        control.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS,
                TimeUnit.MILLISECONDS);
        catalog.addListener(catalogListener);
        mbeanName = registerMBean();
    }

    /** The device's JMX name: {@code org.vocana:type=Device,id=ID}. */
    public static ObjectName objectName(String id) {
        try {
            return new ObjectName("org.vocana:type=Device,id=" + id); // ids are [A-Za-z0-9_.-]: no quoting needed
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ObjectName registerMBean() {
        ObjectName name = objectName(settings.id());
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new DeviceMBean(this), name);
            return name;
        } catch (JMException e) {
            events.accept("no JMX bean (" + e.getMessage() + ")");
            return null;
        }
    }

    public DeviceSettings settings() {
        return settings;
    }

    public DeviceRegion region() {
        return region;
    }

    /** The configured chain as text (empty: pass-through). Thread: any. */
    public String chainText() {
        return call(() -> spec == null ? "" : spec.toString());
    }

    /** The configured chain, or null. Thread: any. */
    public ChainSpec spec() {
        return call(() -> spec);
    }

    /**
     * Makes {@code next} (null: pass-through) the device's chain, live if only parameters and
     * bypass flags differ, else with a crossfade. Throws
     * {@link org.vocana.host.chain.ChainSpecException} for a bad value. Thread: any.
     */
    public void setChain(ChainSpec next) {
        call(() -> {
            apply(next);
            return null;
        });
    }

    private void apply(ChainSpec next) {
        List<ChainSpec.Slot> present = new ArrayList<>();
        int[] position = new int[next == null ? 0 : next.slots().size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < position.length; i++) {
            ChainSpec.Slot slot = next.slots().get(i);
            if (catalog.descriptor(slot.effectId()).isPresent()) {
                position[i] = present.size();
                present.add(slot);
            } else {
                position[i] = -1;
                missing.add(slot.effectId());
            }
        }
        ChainResolver resolver = new ChainResolver(catalog);
        List<ChainResolver.ResolvedSlot> resolved = resolver.check(new ChainSpec(present));
        boolean liveEdit = live != null && sameEffects(present) && sameLatencies(resolved);
        if (liveEdit) {
            for (int i = 0; i < resolved.size(); i++) {
                double[] values = resolved.get(i).values();
                for (int p = 0; p < values.length; p++) {
                    if (live.effect(i).parameter(p) != values[p]) {
                        live.effect(i).setParameter(p, values[p]);
                    }
                }
                live.bypass(i, resolved.get(i).bypass());
            }
        }
        if (liveEdit) {
            // done
        } else if (present.isEmpty()) {
            if (live != null) {
                player.submit(null);
            }
            live = null;
        } else {
            Chain chain = Chain.activate(resolver.instantiate(new ChainSpec(present)), settings.sampleRate(),
                    settings.ioFrames(), settings.channels(),
                    FaultPolicy.realTime(settings.sampleRate(), settings.ioFrames(), 0.5), faults);
            chain.warmUp(WARM_UP_BLOCKS);
            player.submit(chain);
            live = chain;
        }
        if (!missing.isEmpty() && (spec == null || !spec.equals(next) || !Arrays.equals(position, livePosition))) {
            events.accept("effect" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " not installed: left out of the chain until installed");
        }
        spec = next;
        livePosition = position;
    }

    private boolean sameEffects(List<ChainSpec.Slot> present) {
        if (live.size() != present.size()) {
            return false;
        }
        for (int i = 0; i < present.size(); i++) {
            if (!live.effect(i).descriptor().id().equals(present.get(i).effectId())
                    || live.optional(i) != present.get(i).optional()) {
                return false;
            }
        }
        return true;
    }

    /**
     * True if every effect whose parameters change would keep its latency: a parameter such as a
     * lookahead changes it (when the effect next resets), and the slots' delay compensation and
     * the reported latency are fixed per chain, so such an edit builds a new chain. Checked on a
     * scratch instance with the new values.
     */
    private boolean sameLatencies(List<ChainResolver.ResolvedSlot> resolved) {
        for (int i = 0; i < resolved.size(); i++) {
            double[] values = resolved.get(i).values();
            boolean changed = false;
            for (int p = 0; p < values.length; p++) {
                changed |= live.effect(i).parameter(p) != values[p];
            }
            if (!changed) {
                continue;
            }
            var scratch = catalog.create(resolved.get(i).descriptor().id());
            if (scratch.isEmpty()) {
                return false;
            }
            try (var instance = scratch.get()) {
                var effect = instance.effect();
                effect.activate(settings.sampleRate(), settings.ioFrames(), settings.channels());
                try {
                    for (int p = 0; p < values.length; p++) {
                        effect.setParameter(p, values[p]);
                    }
                    effect.reset();
                    if (effect.latencyFrames() != live.effect(i).latencyFrames()) {
                        return false;
                    }
                } finally {
                    effect.deactivate();
                }
            }
        }
        return true;
    }

    private void catalogChanged() {
        control.execute(() -> {
            if (spec == null) {
                return;
            }
            boolean changed = false;
            for (int i = 0; i < livePosition.length; i++) {
                boolean installed = catalog.descriptor(spec.slots().get(i).effectId()).isPresent();
                boolean inChain = livePosition[i] >= 0;
                changed |= installed != inChain;
            }
            if (changed) {
                try {
                    apply(spec);
                    events.accept("installed effects changed: chain now " + describeLive());
                } catch (RuntimeException e) {
                    events.accept("chain not rebuilt after effects changed: " + e.getMessage());
                }
            }
        });
    }

    private String describeLive() {
        if (live == null) {
            return "empty (pass-through)";
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            ids.add(live.effect(i).descriptor().id());
        }
        return String.join(",", ids);
    }

    /** Control-thread chores: the watchdog, retired chains, published latency, fault reports. */
    private void housekeeping() {
        try {
            watchdog();
            if (++housekeepingRounds % (1000 / HOUSEKEEPING_MILLIS) == 0) {
                // fold the audio thread's time recordings into the totals every second (it keeps the
                // recorders' both phases in use from the start, as the JIT needs to see them)
                engine.blockTime();
                for (int i = 0; live != null && i < live.size(); i++) {
                    live.time(i);
                }
                checkRegion();
            }
            player.collectRetired();
            reportLoss();
            long now = System.nanoTime();
            inputReport.poll(engine.reader().guard(), now, events);
            outputReport.poll(engine.writer().guard(), now, events);
            int latency = player.latencyFrames();
            if (latency != region.publishedLatency()) {
                region.publishLatency(latency);
            }
            faults.drain(f -> {
                faultCount++;
                events.accept("effect '" + f.effectId() + "' (position " + (f.slot() + 1) + ") " + describe(f.reason())
                        + ", fault " + f.count() + (f.disabled() ? "; disabled until re-enabled" : "; bypassed for a while"));
            });
        } catch (RuntimeException e) {
            events.accept("housekeeping failed: " + e);
        }
    }

    // ---- loss reports (abi.h section 6): one line per episode, once it is over -------------------
    private long lossOverrun = -1, lossUnderrun, lossLate; // counters as last seen; -1: not yet
    private long episodeOverrun, episodeUnderrun, episodeLate, episodeStart;
    private long quietSince;

    /**
     * Audio the device side lost (frames it dropped on a full "to host" ring, frames that came too
     * late for the reader and were replaced by silence) is counted in shared memory; this turns each
     * episode into one line, printed once nothing more was lost for 100 ms: what, how much, and that
     * the stream runs at its latency again (the timing model re-anchors every read, so it does).
     * Counters are untrusted: a value going backwards (a device side re-attached) restarts the count.
     */
    private void reportLoss() {
        long o = engine.reader().deviceOverrunFrames();
        long u = engine.writer().deviceUnderrunFrames();
        long l = engine.writer().deviceLateFrames();
        long now = System.nanoTime();
        if (lossOverrun < 0 || o < lossOverrun || u < lossUnderrun || l < lossLate) {
            lossOverrun = o;
            lossUnderrun = u;
            lossLate = l;
            return;
        }
        long dO = o - lossOverrun, dU = u - lossUnderrun, dL = l - lossLate;
        lossOverrun = o;
        lossUnderrun = u;
        lossLate = l;
        if (dO + dU + dL > 0) {
            if (episodeOverrun + episodeUnderrun + episodeLate == 0) {
                episodeStart = now;
            }
            episodeOverrun += dO;
            episodeUnderrun += dU;
            episodeLate += dL;
            quietSince = now;
        } else if (episodeOverrun + episodeUnderrun + episodeLate > 0 && now - quietSince >= 100_000_000L) {
            double rate = region.sampleRate();
            events.accept(String.format(java.util.Locale.ROOT,
                    "audio lost for %.0f ms: %d frames (%.1f ms) of silence where the host was late, %d late frames"
                            + " skipped, %d frames the device dropped on a full ring; streaming again at the same latency",
                    (quietSince - episodeStart) / 1e6 + HOUSEKEEPING_MILLIS, episodeUnderrun, episodeUnderrun * 1000 / rate,
                    episodeLate, episodeOverrun));
            episodeOverrun = episodeUnderrun = episodeLate = 0;
        }
    }

    /**
     * Once a second: the region must still be published as this host made it ({@link
     * DeviceRegion#checkIntact}). One that was unlinked, replaced or damaged is re-created with a new
     * generation, and the device side re-attaches to it; one line says what was found.
     */
    private void checkRegion() {
        if (region.isClosed()) {
            return; // a failed re-creation of a shared-memory region (reported): nothing left to check
        }
        RegionException damage;
        try {
            region.checkIntact();
            return;
        } catch (RegionException e) {
            damage = e;
        }
        DeviceEngine stopped = engine;
        if (!stopped.stop()) {
            events.accept(damage.getMessage() + "; not re-created yet: the audio thread did not stop within 2 s");
            engine = new DeviceEngine(region, stopped.reader(), stopped.writer(), player, settings.ioFrames());
            return;
        }
        DeviceRegion next;
        try {
            next = region.recreate();
        } catch (RegionException e) {
            events.accept(damage.getMessage() + "; re-creating it failed: " + e.getMessage());
            if (!region.isClosed()) {
                engine = new DeviceEngine(region, stopped.reader(), stopped.writer(), player, settings.ioFrames());
            }
            return;
        }
        region = next;
        engine = new DeviceEngine(next, player, settings.ioFrames());
        lossOverrun = -1; // new counters
        events.accept(damage.getMessage() + "; re-created it with generation "
                + Long.toHexString(next.generation()) + " (the device side re-attaches)");
    }

    private static String describe(FaultLog.Reason reason) {
        return switch (reason) {
            case THREW -> "threw an exception";
            case NON_FINITE -> "output NaN or infinity";
            case TOO_SLOW -> "exceeded its time budget";
        };
    }

    private void watchdog() {
        long stalled = engine.stalledNanos();
        if (stalled <= watchdogNanos) {
            return;
        }
        ChainPlayer.Running running = player.running();
        if (!engine.abandon()) {
            return;
        }
        stalls++;
        faultCount++;
        abandoned.add(new Player(player, engine));
        String culprit = "unknown effect";
        ChainSpec next = spec;
        if (running != null) {
            String id = running.chain().effect(running.slot()).descriptor().id();
            int specIndex = -1;
            if (running.chain() == live) {
                for (int i = 0; i < livePosition.length; i++) {
                    if (livePosition[i] == running.slot()) {
                        specIndex = i;
                    }
                }
            }
            if (specIndex < 0 && spec != null) {
                for (int i = 0; i < spec.slots().size() && specIndex < 0; i++) {
                    if (spec.slots().get(i).effectId().equals(id)) {
                        specIndex = i;
                    }
                }
            }
            culprit = "effect '" + id + "'" + (specIndex >= 0 ? " (position " + (specIndex + 1) + ")" : "");
            if (specIndex >= 0) {
                List<ChainSpec.Slot> slots = new ArrayList<>(spec.slots());
                slots.remove(specIndex);
                next = slots.isEmpty() ? null : new ChainSpec(slots);
            }
        }
        DeviceEngine lost = engine;
        player = new ChainPlayer(settings.channels(), settings.ioFrames(), settings.fadeFrames());
        live = null;
        livePosition = new int[0];
        try {
            apply(next);
        } catch (RuntimeException e) {
            events.accept("chain not rebuilt after a stall: " + e.getMessage());
            apply(null);
        }
        engine = new DeviceEngine(region, lost.reader(), lost.writer(), player, settings.ioFrames());
        events.accept(culprit + " stalled the audio thread for " + stalled / 1_000_000 + " ms: removed from the chain,"
                + " audio resumed on a new thread (the stuck thread is abandoned)");
        events.accept("the stuck audio thread " + lost.demotion());
    }

    /** The device's figures now. Thread: any. */
    public DeviceStats stats() {
        return call(() -> {
            List<DeviceStats.EffectStats> effects = new ArrayList<>();
            for (int i = 0; spec != null && i < spec.slots().size(); i++) {
                ChainSpec.Slot slot = spec.slots().get(i);
                int p = livePosition[i];
                if (p < 0) {
                    effects.add(new DeviceStats.EffectStats(i + 1, slot.effectId(), false, TimeSummary.EMPTY, 0, false,
                            false, slot.optional()));
                } else {
                    effects.add(new DeviceStats.EffectStats(i + 1, slot.effectId(), true, live.time(p), live.faults(p),
                            slot.bypass(), live.disabled(p), slot.optional()));
                }
            }
            return new DeviceStats(settings.id(), engine.blocks(), engine.periodNanos(), engine.blockTime(),
                    engine.deadlineMisses(), engine.overloads(), engine.shedding(),
                    engine.reader().deviceOverruns(), engine.reader().underruns(),
                    engine.writer().overruns(), engine.writer().deviceUnderruns(),
                    live == null ? 0 : live.latencyFrames(), faultCount, stalls, effects,
                    engine.reader().deviceOverrunFrames(), engine.writer().deviceUnderrunFrames(),
                    engine.writer().deviceLateFrames(), engine.writer().deviceReadLatency(),
                    engine.scheduling().description(), engine.reader().guard().replaced(),
                    engine.writer().guard().replaced());
        });
    }

    /** Lets the effect at spec position {@code index} (0-based), disabled after faults, run again. */
    public void enable(int index) {
        call(() -> {
            int p = index < livePosition.length ? livePosition[index] : -1;
            if (p < 0) {
                throw new IllegalArgumentException("position " + (index + 1) + " is not a running effect");
            }
            live.enable(p);
            return null;
        });
    }

    /** Blocks processed. Thread: any. */
    public long blocks() {
        return engine.blocks();
    }

    /** Latency of the device's chain in frames (the audio thread takes it up at its next block). Thread: any. */
    public int latencyFrames() {
        return call(() -> live == null ? 0 : live.latencyFrames());
    }

    /** The id of the audio thread now running (for per-thread allocation measurements). */
    public long audioThreadId() {
        return call(() -> engine.threadId());
    }

    /** The current engine (tests). */
    DeviceEngine engine() {
        return engine;
    }

    private <T> T call(Callable<T> task) {
        if (Thread.currentThread().getName().equals("vocana-control-" + settings.id())) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return control.submit(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("device '" + settings.id() + "': its control thread did not answer in 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Stops the engine, closes the chains and removes the region. Thread: any but the control thread. */
    @Override
    public void close() {
        if (mbeanName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
            } catch (JMException e) {
                // already gone
            }
        }
        catalog.removeListener(catalogListener);
        control.shutdown();
        try {
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (engine != null) {
            if (engine.stop() && player != null) {
                player.close();
            }
        } else if (player != null) {
            player.close();
        }
        // abandoned engines keep their players: their threads may still be inside those chains
        region.close();
    }
}
