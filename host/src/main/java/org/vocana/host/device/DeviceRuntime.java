/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
import org.vocana.host.effects.EffectInstance;
import org.vocana.host.engine.Chain;
import org.vocana.host.engine.ChainPlayer;
import org.vocana.host.engine.DeviceEngine;
import org.vocana.host.engine.EffectCalls;
import org.vocana.host.engine.EffectLabel;
import org.vocana.host.engine.EffectStuckException;
import org.vocana.host.engine.EngineWarmUp;
import org.vocana.host.engine.FaultLog;
import org.vocana.host.engine.FaultPolicy;
import org.vocana.host.engine.FaultReports;
import org.vocana.host.engine.StallMeter;
import org.vocana.host.engine.TimeSummary;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.RegionException;
import org.vocana.host.ring.RegionTransport;
import org.vocana.sdk.EffectDescriptor;

/**
 * A running device without the OSGi glue: its region, audio engine, chain player, and the control
 * thread that owns every change. All state changes run on that one thread ("vocana-control-ID"):
 * chain edits, housekeeping every 50 ms (retired chains, published latency, fault reports,
 * allocation figures) and the watchdog.
 *
 * <p>Chains: the device holds the configured {@link ChainSpec}; the running chain realises the
 * slots whose effects are installed (missing ones are left out, with a message, until they are
 * installed). An edit that keeps the same effects in the same order only sets parameters and
 * bypass flags on the running instances (the effects smooth them); any other edit builds a new
 * chain and crossfades to it.
 *
 * <p>Effect code off the audio thread runs on the device's {@link EffectCalls} worker
 * ("vocana-effects-ID"), watched: a call that hangs (in construction, activate, warm-up, a
 * parameter, deactivate, release) is abandoned and reported in one line, the device keeps its last
 * good chain, the effect is left out of later chains until its bundle is updated or it is
 * re-enabled, and the control thread answers again at once.
 *
 * <p>Bundle lifecycle: the catalog tells the device synchronously when an effect comes or goes;
 * the device moves to a chain without the old provider's instances and deactivates them before
 * it returns (so the effect's bundle never takes away an instance the audio thread still runs),
 * and an instance whose chain cannot be retired in time (no audio flowing) is revoked first.
 *
 * <p>Watchdog: when the audio thread has stayed inside the chain on the same block for longer than
 * the limit, judged by its own progress ({@link StallMeter}: a stopped process does not count),
 * the engine is abandoned (the lost thread never touches the rings again), the culprit is removed
 * from the spec, and a new engine with a fresh chain resumes on the same rings. Meanwhile the
 * heartbeat stops, so the device side plays silence. An audio thread that dies (an error outside
 * the effects, e.g. a truncated mapping) is replaced the same way, keeping its chain.
 */
public final class DeviceRuntime implements AutoCloseable {

    static final long HOUSEKEEPING_MILLIS = 50;
    /** Blocks a new chain runs on the control thread before it goes live (the JIT compiles it there). */
    static final int WARM_UP_BLOCKS = 3000;
    /** How long a catalog change may hold the bundle that causes it (building and warming up the new chain). */
    private static final long CATALOG_WAIT_MILLIS = 10_000;
    /** An effect that allocates at least this much on the audio thread in each of two seconds in a row is reported (once). */
    static final long ALLOCATION_REPORT_BYTES = 1024;
    /**
     * No block for this long while an old chain waits to retire: the device is idle (no device
     * side, or a paused one), so no block boundary will come; the old chain is revoked instead.
     */
    private static final long IDLE_NANOS = 100_000_000L;

    private final DeviceSettings settings;
    private final EffectCatalog catalog;
    private final Consumer<String> events;
    private final ScheduledExecutorService control;
    /** The published region; replaced by the self-check when damaged (control thread). */
    private volatile DeviceRegion region;
    private final FaultLog faults = new FaultLog(256);
    private final FaultPolicy policy;
    private final Runnable catalogListener = this::catalogChanged;
    private final long watchdogNanos;
    private final EffectCalls calls;
    private final StallMeter stall = new StallMeter(2 * HOUSEKEEPING_MILLIS * 1_000_000L);
    private final BoundaryReport inputReport = BoundaryReport.input();
    private final BoundaryReport outputReport = BoundaryReport.output();
    private ObjectName mbeanName;

    private ChainPlayer player;
    private DeviceEngine engine;
    /** The configured chain (may name effects that are not installed). */
    private ChainSpec spec;
    /** The chain last submitted to the player, or null (pass-through). */
    private Chain live;
    /** For each slot of {@link #spec}: its position in {@link #live}, or -1 (not installed, or left out). */
    private int[] livePosition = new int[0];
    private long faultCount;
    private long housekeepingRounds;
    private long stalls;
    private final List<Player> abandoned = new ArrayList<>();
    /** Chains handed to a player and not yet deactivated. */
    private final Set<Chain> outstanding = new LinkedHashSet<>();
    /** Chains deactivated, to be released (given back to their bundles) by the next housekeeping. */
    private final List<Chain> toRelease = new ArrayList<>();
    /** Effects whose provider hung in a call: left out while the catalog offers this same descriptor. */
    private final Map<String, Quarantine> quarantined = new HashMap<>();
    /** The last fault of each effect (by id) on this device, one line with its time. */
    private final Map<String, String> lastFaults = new HashMap<>();
    /** Effects (id and version) already reported as allocating on the audio thread. */
    private final Set<String> allocationReported = new HashSet<>();
    private Chain allocationChain;
    private long[] allocationSeen = new long[0];
    private double[] allocationRate = new double[0];
    private int[] allocationStreak = new int[0];
    private long allocationAt;
    private long restarts;
    private long restartAt;
    private long restartDelayNanos;
    private long lastDeath;
    private long lastDeathReport;
    private int deathsNotReported;

    private record Player(ChainPlayer player, DeviceEngine engine) {
    }

    private record Quarantine(EffectDescriptor descriptor, String why) {
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
        this(settings, catalog, dir, watchdogMillis, EffectCalls.configuredLimitMillis(), events);
    }

    /** As the other constructor, with the limit for one call into an effect on a control thread. */
    DeviceRuntime(DeviceSettings settings, EffectCatalog catalog, Path dir, long watchdogMillis, long controlLimitMillis,
                  Consumer<String> events) throws RegionException {
        this.settings = settings;
        this.catalog = catalog;
        this.events = events;
        this.watchdogNanos = watchdogMillis * 1_000_000L;
        this.policy = FaultPolicy.realTime(settings.sampleRate(), settings.ioFrames(), 0.5);
        this.calls = new EffectCalls("vocana-effects-" + settings.id(), controlLimitMillis * 1_000_000L, System::nanoTime,
                this::stuck, events);
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
                player = newPlayer();
                applyOrLeaveOut(settings.chain().isBlank() ? null : ChainSpec.parse(settings.chain()));
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

    private ChainPlayer newPlayer() {
        return new ChainPlayer(settings.channels(), settings.ioFrames(), settings.fadeFrames(), this::retire);
    }

    /** A chain the player is done with: deactivated now, released by the next housekeeping. */
    private void retire(Chain chain) {
        chain.deactivate();
        outstanding.remove(chain);
        toRelease.add(chain);
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
     * {@link org.vocana.host.chain.ChainSpecException} for a bad value, and
     * {@link IllegalArgumentException} if an effect hung while the new chain was built (the
     * device then keeps its chain; the effect is left out of later chains). Thread: any.
     */
    public void setChain(ChainSpec next) {
        call(() -> {
            try {
                apply(next);
            } catch (EffectStuckException e) {
                throw new IllegalArgumentException("effect '" + e.effectId() + "' hung in " + e.phase()
                        + " (reported above); the device keeps its chain " + (spec == null ? "(empty)" : spec.toString()));
            }
            return null;
        });
    }

    /**
     * Applies {@code next}; an effect that hangs while the chain is built is left out and the
     * chain built again without it (start-up, catalog changes, after a stall).
     */
    private void applyOrLeaveOut(ChainSpec next) {
        for (int attempt = 0; ; attempt++) {
            try {
                apply(next);
                return;
            } catch (EffectStuckException e) {
                if (attempt > (next == null ? 0 : next.slots().size())) {
                    throw e;
                }
                // quarantined by stuck(): the next attempt leaves it out
            } catch (org.vocana.host.engine.EffectRefusedException e) {
                if (attempt > (next == null ? 0 : next.slots().size())) {
                    throw e;
                }
                quarantine(e.label().id(), e.reason());
                lastFaults.put(e.label().id(), LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + e.reason());
            }
        }
    }

    /** Reported by the effect watchdog (on the control thread), once per abandoned call. */
    private void stuck(EffectStuckException e) {
        faultCount++;
        String id = e.effectId();
        if (id != null) {
            quarantine(id, "hung in " + e.phase() + " at " + LocalTime.now().truncatedTo(ChronoUnit.SECONDS));
            lastFaults.put(id, LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": stuck in " + e.phase() + " for "
                    + e.stalledNanos() / 1_000_000 + " ms (abandoned)");
        }
        events.accept(e.getMessage() + "; the device keeps its chain " + describeLive()
                + (id == null ? "" : "; '" + id + "' is left out of this device's chains until its bundle is updated"
                + " or it is re-enabled (vocana enable)"));
    }

    /** Leaves {@code id} out of this device's chains while the catalog offers the provider it has now. */
    private void quarantine(String id, String why) {
        Optional<EffectDescriptor> d = catalog.descriptor(id);
        if (d.isPresent()) {
            quarantined.put(id, new Quarantine(d.get(), why + "; back when its bundle is updated, or with vocana enable"));
        }
    }

    private boolean isQuarantined(String id) {
        Quarantine q = quarantined.get(id);
        if (q == null) {
            return false;
        }
        Optional<EffectDescriptor> now = catalog.descriptor(id);
        if (now.isEmpty() || now.get() != q.descriptor()) {
            quarantined.remove(id); // another provider (an update): try it
            return false;
        }
        return true;
    }

    private void apply(ChainSpec next) {
        List<ChainSpec.Slot> present = new ArrayList<>();
        List<Integer> presentPositions = new ArrayList<>();
        int[] position = new int[next == null ? 0 : next.slots().size()];
        List<String> missing = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (int i = 0; i < position.length; i++) {
            ChainSpec.Slot slot = next.slots().get(i);
            if (catalog.descriptor(slot.effectId()).isEmpty()) {
                position[i] = -1;
                missing.add(slot.effectId());
            } else if (isQuarantined(slot.effectId())) {
                position[i] = -1;
                leftOut.add(slot.effectId());
            } else {
                position[i] = present.size();
                present.add(slot);
                presentPositions.add(i + 1);
            }
        }
        ChainResolver resolver = new ChainResolver(catalog);
        List<ChainResolver.ResolvedSlot> resolved = resolver.check(new ChainSpec(present));
        boolean liveEdit = live != null && sameEffects(resolved) && samePositions(presentPositions)
                && sameLatencies(resolved);
        if (liveEdit) {
            for (int i = 0; i < resolved.size(); i++) {
                double[] values = resolved.get(i).values();
                for (int p = 0; p < values.length; p++) {
                    if (live.parameter(i, p) != values[p]) {
                        live.setParameter(i, p, values[p]);
                    }
                }
                live.bypass(i, resolved.get(i).bypass());
            }
        } else if (present.isEmpty()) {
            if (live != null) {
                player.submit(null);
            }
            live = null;
        } else {
            Chain chain = build(resolved, presentPositions);
            player.submit(chain);
            outstanding.add(chain);
            live = chain;
        }
        boolean news = spec == null || !spec.equals(next) || !Arrays.equals(position, livePosition);
        if (!missing.isEmpty() && news) {
            events.accept("effect" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " not installed: left out of the chain until installed");
        }
        if (!leftOut.isEmpty() && news) {
            for (String id : leftOut) {
                events.accept("effect '" + id + "' left out of the chain: " + quarantined.get(id).why());
            }
        }
        spec = next;
        livePosition = position;
    }

    /** Creates, activates and warms up the chain for {@code resolved}, every effect call watched. */
    private Chain build(List<ChainResolver.ResolvedSlot> resolved, List<Integer> positions) {
        List<EffectInstance> instances = calls.run(() -> {
            List<EffectInstance> made = new ArrayList<>();
            try {
                for (int i = 0; i < resolved.size(); i++) {
                    ChainResolver.ResolvedSlot slot = resolved.get(i);
                    String id = slot.descriptor().id();
                    calls.enter("construction", new EffectLabel(id, slot.descriptor().version(), positions.get(i)));
                    Optional<EffectInstance> created;
                    try {
                        created = catalog.create(id);
                    } finally {
                        calls.exit();
                    }
                    EffectInstance instance = created.orElseThrow(() -> new org.vocana.host.chain.ChainSpecException(
                            "effect '" + id + "' was uninstalled while building the chain"));
                    made.add(instance);
                    instance.flags(slot.bypass(), slot.optional()).position(positions.get(i));
                    calls.enter("setParameter", instance);
                    try {
                        for (int p = 0; p < slot.values().length; p++) {
                            instance.effect().setParameter(p, slot.values()[p]);
                        }
                    } finally {
                        calls.exit();
                    }
                }
                return made;
            } catch (RuntimeException e) {
                for (EffectInstance instance : made) {
                    calls.enter("release", instance);
                    try {
                        instance.close();
                    } finally {
                        calls.exit();
                    }
                }
                throw e;
            }
        });
        Chain chain = Chain.activate(instances, settings.sampleRate(), settings.ioFrames(), settings.channels(), policy,
                faults, calls);
        try {
            chain.warmUp(WARM_UP_BLOCKS);
        } catch (EffectStuckException e) {
            throw e; // the chain stays with the abandoned worker: never submitted, never closed
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
        return chain;
    }

    private boolean sameEffects(List<ChainResolver.ResolvedSlot> resolved) {
        if (live.size() != resolved.size()) {
            return false;
        }
        for (int i = 0; i < resolved.size(); i++) {
            // the same provider (an updated bundle brings a new descriptor) with the same flags
            if (live.descriptor(i) != resolved.get(i).descriptor() || live.optional(i) != resolved.get(i).optional()) {
                return false;
            }
        }
        return true;
    }

    /** True if every running slot keeps its position in the configured chain (reports name it). */
    private boolean samePositions(List<Integer> positions) {
        for (int i = 0; i < positions.size(); i++) {
            if (live.label(i).position() != positions.get(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * True if every effect whose parameters change would keep its latency: a parameter such as a
     * lookahead changes it (when the effect next resets), and the slots' delay compensation and
     * the reported latency are fixed per chain, so such an edit builds a new chain. Checked on a
     * scratch instance with the new values (watched calls).
     */
    private boolean sameLatencies(List<ChainResolver.ResolvedSlot> resolved) {
        for (int i = 0; i < resolved.size(); i++) {
            double[] values = resolved.get(i).values();
            boolean changed = false;
            for (int p = 0; p < values.length; p++) {
                changed |= live.parameter(i, p) != values[p];
            }
            if (!changed) {
                continue;
            }
            String id = resolved.get(i).descriptor().id();
            EffectLabel label = live.label(i);
            int index = i;
            int liveLatency = calls.run(() -> {
                calls.enter("latencyFrames", label);
                try {
                    return live.effect(index).latencyFrames();
                } finally {
                    calls.exit();
                }
            });
            boolean same = calls.run(() -> {
                calls.enter("construction", label);
                Optional<EffectInstance> scratch;
                try {
                    scratch = catalog.create(id);
                } finally {
                    calls.exit();
                }
                if (scratch.isEmpty()) {
                    return false;
                }
                EffectInstance instance = scratch.get().position(label.position());
                try {
                    calls.enter("activate", instance);
                    try {
                        instance.effect().activate(settings.sampleRate(), settings.ioFrames(), settings.channels());
                    } finally {
                        calls.exit();
                    }
                    calls.enter("latencyFrames", instance);
                    try {
                        for (int p = 0; p < values.length; p++) {
                            instance.effect().setParameter(p, values[p]);
                        }
                        instance.effect().reset();
                        return instance.effect().latencyFrames() == liveLatency;
                    } finally {
                        calls.exit();
                        calls.enter("deactivate", instance);
                        try {
                            instance.effect().deactivate();
                        } finally {
                            calls.exit();
                        }
                    }
                } finally {
                    calls.enter("release", instance);
                    try {
                        instance.close();
                    } finally {
                        calls.exit();
                    }
                }
            });
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /**
     * The catalog changed (an effect installed, updated or about to be removed). Runs on the
     * thread that changes the catalog and returns only when the device is done: the running
     * chain no longer holds an instance of a provider that is going away, and those instances
     * are deactivated. Bounded by {@link #CATALOG_WAIT_MILLIS}.
     */
    private void catalogChanged() {
        if (isControlThread()) {
            rebuildAfterCatalogChange();
            return;
        }
        try {
            control.submit(this::rebuildAfterCatalogChange).get(CATALOG_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            events.accept("the effects changed and the device's control thread did not finish adjusting its chain in "
                    + CATALOG_WAIT_MILLIS / 1000 + " s");
        } catch (ExecutionException e) {
            events.accept("chain not rebuilt after effects changed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the device is closing
        }
    }

    private void rebuildAfterCatalogChange() {
        if (spec == null) {
            return;
        }
        boolean changed = false;
        Set<String> updated = new LinkedHashSet<>();
        for (int i = 0; i < livePosition.length; i++) {
            String id = spec.slots().get(i).effectId();
            Optional<EffectDescriptor> installed = catalog.descriptor(id);
            boolean inChain = livePosition[i] >= 0;
            if (inChain) {
                // gone, or replaced by another provider (an update)
                changed |= installed.isEmpty() || installed.get() != live.descriptor(livePosition[i]);
                if (installed.isPresent() && installed.get() != live.descriptor(livePosition[i])) {
                    updated.add("'" + id + "' " + installed.get().version());
                }
            } else {
                changed |= installed.isPresent() && !isQuarantined(id);
            }
        }
        if (!changed) {
            return;
        }
        try {
            applyOrLeaveOut(spec);
            events.accept("installed effects changed" + (updated.isEmpty() ? "" : " (updated " + String.join(", ", updated) + ")")
                    + ": chain now " + describeLive());
        } catch (RuntimeException e) {
            events.accept("chain not rebuilt after effects changed: " + e.getMessage());
        }
        letGoOfOldChains();
    }

    /**
     * Waits until the audio thread has crossfaded away from every chain but the live one (they are
     * then deactivated as they retire); a chain it does not let go of in time (no audio flowing,
     * so no block boundary comes) is revoked and deactivated here. Thread: control thread.
     */
    private void letGoOfOldChains() {
        long periodNanos = engine == null ? 0 : engine.periodNanos();
        long fadeNanos = (long) (1e9 * (settings.fadeFrames() + (live == null ? 0 : live.latencyFrames()))
                / settings.sampleRate());
        long deadline = System.nanoTime() + 2 * fadeNanos + 4 * periodNanos + 200_000_000L;
        long blocks = engine == null ? 0 : engine.blocks();
        long blocksAt = System.nanoTime();
        while (hasOldChains() && System.nanoTime() - deadline < 0) {
            player.collectRetired();
            if (engine != null && engine.blocks() != blocks) {
                blocks = engine.blocks();
                blocksAt = System.nanoTime();
            } else if (System.nanoTime() - blocksAt > IDLE_NANOS) {
                break; // no audio flows: nothing will pick the new chain up now
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        player.collectRetired();
        for (Chain old : new ArrayList<>(outstanding)) {
            if (old != live) {
                if (!old.revoke(200_000_000L)) {
                    events.accept("the audio thread did not leave a chain being retired within 200 ms");
                    continue;
                }
                old.deactivate();
                outstanding.remove(old);
                toRelease.add(old); // the player disposes of it again when it retires it: a no-op then
            }
        }
    }

    private boolean hasOldChains() {
        for (Chain c : outstanding) {
            if (c != live) {
                return true;
            }
        }
        return false;
    }

    private String describeLive() {
        if (live == null) {
            return "empty (pass-through)";
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            ids.add(live.label(i).id());
        }
        return String.join(",", ids);
    }

    /** Control-thread chores: the watchdog, retired chains, published latency, fault reports, allocations. */
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
                allocations();
                checkRegion();
            }
            player.collectRetired();
            for (Chain c : toRelease) {
                c.release();
            }
            toRelease.clear();
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
                double cooldown = policy.cooldownFrames() / (double) settings.sampleRate();
                events.accept(FaultReports.line(f, policy.maxFaults(), cooldown));
                lastFaults.put(f.effectId(), LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": " + FaultReports.reason(f)
                        + (f.disabled() ? " (disabled)" : ""));
            });
        } catch (RuntimeException e) {
            events.accept("housekeeping failed: " + e);
        }
    }

    /**
     * Once a second: bytes the audio thread allocated inside each slot, as a rate for the stats;
     * an effect that allocated at least {@value #ALLOCATION_REPORT_BYTES} bytes in each of two
     * seconds in a row is reported once.
     */
    private void allocations() {
        long now = System.nanoTime();
        Chain chain = live;
        if (chain != allocationChain) {
            allocationChain = chain;
            allocationSeen = new long[chain == null ? 0 : chain.size()];
            allocationRate = new double[allocationSeen.length];
            allocationStreak = new int[allocationSeen.length];
            for (int i = 0; i < allocationSeen.length; i++) {
                allocationSeen[i] = chain.allocatedBytes(i);
            }
            allocationAt = now;
            return;
        }
        double seconds = Math.max(1e-3, (now - allocationAt) / 1e9);
        allocationAt = now;
        for (int i = 0; i < allocationSeen.length; i++) {
            long total = chain.allocatedBytes(i);
            long delta = total - allocationSeen[i];
            allocationSeen[i] = total;
            allocationRate[i] = delta / seconds;
            EffectLabel label = chain.label(i);
            // two seconds in a row: the JVM itself allocates a little on a thread once in a while (a
            // deoptimisation when an effect takes a new path), an allocating effect does it all the time
            allocationStreak[i] = delta >= ALLOCATION_REPORT_BYTES ? allocationStreak[i] + 1 : 0;
            if (allocationStreak[i] >= 2 && allocationReported.add(label.id() + " " + label.version())) {
                events.accept(label + " allocates on the audio thread: " + delta + " bytes in the last "
                        + String.format(java.util.Locale.ROOT, "%.1f", seconds) + " s (" + DeviceStats.bytesPerSecond(delta / seconds)
                        + "); real-time code must not allocate in process() (the garbage collector may stall the"
                        + " stream); vocana validate shows it; reported once, vocana stats shows the rate");
            }
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
            stall.reset();
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
        stall.reset();
        lossOverrun = -1; // new counters
        events.accept(damage.getMessage() + "; re-created it with generation "
                + Long.toHexString(next.generation()) + " (the device side re-attaches)");
    }

    private void watchdog() {
        Throwable death = engine.death();
        if (death != null) {
            replaceDeadThread(death);
            return;
        }
        long stalled = stall.observe(System.nanoTime(), engine.processing(), engine.progressMark());
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
            EffectLabel label = running.chain().label(running.slot());
            String id = label.id();
            int specIndex = -1;
            if (spec != null && label.position() >= 1 && label.position() <= spec.slots().size()
                    && spec.slots().get(label.position() - 1).effectId().equals(id)) {
                specIndex = label.position() - 1;
            }
            if (specIndex < 0 && spec != null) {
                for (int i = 0; i < spec.slots().size() && specIndex < 0; i++) {
                    if (spec.slots().get(i).effectId().equals(id)) {
                        specIndex = i;
                    }
                }
            }
            culprit = "effect '" + id + "' " + label.version() + (specIndex >= 0 ? " (position " + (specIndex + 1) + ")" : "");
            lastFaults.put(id, LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + ": stalled the audio thread for "
                    + stalled / 1_000_000 + " ms (removed from the chain)");
            if (specIndex >= 0) {
                List<ChainSpec.Slot> slots = new ArrayList<>(spec.slots());
                slots.remove(specIndex);
                next = slots.isEmpty() ? null : new ChainSpec(slots);
            }
        }
        DeviceEngine lost = engine;
        for (Chain c : outstanding) {
            c.revoke(0); // the stuck thread is inside one of them; none is ever run or closed again
        }
        outstanding.clear();
        player = newPlayer();
        live = null;
        livePosition = new int[0];
        stall.reset();
        try {
            applyOrLeaveOut(next);
        } catch (RuntimeException e) {
            events.accept("chain not rebuilt after a stall: " + e.getMessage());
            apply(null);
        }
        engine = new DeviceEngine(region, lost.reader(), lost.writer(), player, settings.ioFrames());
        events.accept(culprit + " stalled the audio thread for " + stalled / 1_000_000 + " ms: removed from the chain,"
                + " audio resumed on a new thread (the stuck thread is abandoned)");
        events.accept("the stuck audio thread " + lost.demotion());
    }

    /**
     * The audio thread died (an error outside the effects: the slots catch theirs): a new one
     * takes over the same rings and chain. Deaths in a row are spaced out (50 ms doubling up to
     * 1 s) and reported at most once a second.
     */
    private void replaceDeadThread(Throwable death) {
        long now = System.nanoTime();
        if (now - restartAt < 0) {
            return;
        }
        restarts++;
        DeviceEngine dead = engine;
        engine = new DeviceEngine(region, dead.reader(), dead.writer(), player, settings.ioFrames());
        stall.reset();
        restartDelayNanos = lastDeath != 0 && now - lastDeath < 2_000_000_000L
                ? Math.min(1_000_000_000L, Math.max(50_000_000L, 2 * restartDelayNanos)) : 0;
        restartAt = now + restartDelayNanos;
        lastDeath = now;
        if (lastDeathReport == 0 || now - lastDeathReport >= 1_000_000_000L) {
            events.accept("the audio thread died of " + FaultReports.describe(death) + "; a new audio thread took over"
                    + " (restart " + restarts + (deathsNotReported > 0 ? ", " + deathsNotReported + " more since the last report" : "")
                    + "), streaming on with the same chain");
            lastDeathReport = now;
            deathsNotReported = 0;
        } else {
            deathsNotReported++;
        }
    }

    /** The device's figures now. Thread: any. */
    public DeviceStats stats() {
        return call(() -> {
            List<DeviceStats.EffectStats> effects = new ArrayList<>();
            for (int i = 0; spec != null && i < spec.slots().size(); i++) {
                ChainSpec.Slot slot = spec.slots().get(i);
                int p = livePosition[i];
                String lastFault = lastFaults.get(slot.effectId());
                if (p < 0) {
                    boolean installed = catalog.descriptor(slot.effectId()).isPresent();
                    Quarantine q = installed ? quarantined.get(slot.effectId()) : null;
                    effects.add(new DeviceStats.EffectStats(i + 1, slot.effectId(), installed, TimeSummary.EMPTY, 0, false,
                            false, slot.optional(), 0, 0, lastFault, q == null ? (installed ? "not in the chain" : null) : q.why()));
                } else {
                    double rate = live == allocationChain && p < allocationRate.length ? allocationRate[p] : 0;
                    effects.add(new DeviceStats.EffectStats(i + 1, slot.effectId(), true, live.time(p), live.faults(p),
                            slot.bypass(), live.disabled(p), slot.optional(), rate, live.allocatedBytes(p), lastFault, null));
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
                    engine.writer().guard().replaced(), restarts);
        });
    }

    /**
     * Lets the effect at spec position {@code index} (0-based), disabled after faults, run again;
     * an effect left out after it hung is tried again (a new chain).
     */
    public void enable(int index) {
        call(() -> {
            int p = index < livePosition.length ? livePosition[index] : -1;
            if (p < 0) {
                String id = spec == null || index >= spec.slots().size() ? null : spec.slots().get(index).effectId();
                if (id != null && quarantined.remove(id) != null) {
                    applyOrLeaveOut(spec);
                    letGoOfOldChains();
                    return null;
                }
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

    /** The watchdog of calls into effect code off the audio thread (tests). */
    EffectCalls calls() {
        return calls;
    }

    private boolean isControlThread() {
        return Thread.currentThread().getName().equals("vocana-control-" + settings.id());
    }

    private <T> T call(Callable<T> task) {
        if (isControlThread()) {
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
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("device '" + settings.id() + "': its control thread did not answer in 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /**
     * Stops the engine, deactivates and releases the chains (watched: an effect that hangs there
     * is abandoned) and removes the region, always. Thread: any but the control thread.
     */
    @Override
    public void close() {
        try {
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
                if (!control.awaitTermination(5, TimeUnit.SECONDS)) {
                    events.accept("the control thread did not stop within 5 s; closing anyway");
                }
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
            for (Chain c : toRelease) {
                c.release();
            }
            toRelease.clear();
            // abandoned engines keep their players: their threads may still be inside those chains
        } catch (RuntimeException e) {
            events.accept("closing the device failed: " + e + "; the region is removed anyway");
        } finally {
            calls.shutdown();
            region.close();
        }
    }
}
