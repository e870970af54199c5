/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;

/**
 * An activated sequence of effect instances that processes planar blocks in place, each effect in
 * a {@link Slot} that bypasses it when it misbehaves. Built and closed on a control thread;
 * {@link #process} is the audio-thread path shared by offline rendering and the real-time engine.
 *
 * <p>Every call into effect code off the audio thread (activate, warm-up, parameters, deactivate,
 * release) goes through the chain's {@link EffectCalls}, which watches it and abandons it if it
 * hangs. Lifecycle: an instance is processed only between its activation and its deactivation;
 * {@link #revoke} stops the audio thread from entering the chain at all (before the instances'
 * bundle takes them away), and {@link #deactivate} and {@link #release} happen once each.
 *
 * <p>The audio thread's allocations are counted per slot ({@link AudioAllocation}), so that
 * an effect that allocates in {@code process} shows in the stats.
 */
public final class Chain implements AutoCloseable {

    private final EffectInstance[] instances;
    private final Slot[] slots;
    private final FaultLog faults;
    private final EffectCalls calls;
    private final int channels;
    private final int maxFrames;
    private final int latencyFrames;
    /** The most time {@link #warmUp} takes, whatever the number of blocks. */
    static final long WARM_UP_MAX_MILLIS = 1_000;

    /** Effect classes already run through {@link #warmUp} in this JVM: their code is compiled. */
    private static final java.util.Set<Class<?>> WARM = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The slot whose effect runs now, or -1 (for the watchdog and {@link #revoke}). */
    private volatile int active = -1;
    /** Set by {@link #revoke}: the audio thread no longer enters the chain. */
    private volatile boolean revoked;
    private boolean shed;
    private boolean deactivated;
    private boolean released;

    /** The longest latency an effect may report, in seconds of audio. */
    public static final int MAX_LATENCY_SECONDS = 10;

    private Chain(EffectInstance[] instances, int channels, int maxFrames, FaultPolicy policy, FaultLog faults,
                  EffectCalls calls, int maxLatency) {
        this.instances = instances;
        this.slots = new Slot[instances.length];
        this.faults = faults;
        this.calls = calls;
        int latency = 0;
        for (int i = 0; i < instances.length; i++) {
            EffectInstance instance = instances[i];
            EffectLabel label = new EffectLabel(instance.id(), instance.descriptor().version(),
                    instance.position() > 0 ? instance.position() : i + 1);
            calls.enter("latencyFrames", instance);
            int effectLatency;
            try {
                effectLatency = instance.effect().latencyFrames();
            } finally {
                calls.exit();
            }
            if (effectLatency < 0 || effectLatency > maxLatency) {
                throw new EffectRefusedException(label, "reports a latency of " + effectLatency + " frames; accepted 0.."
                        + maxLatency + " (" + MAX_LATENCY_SECONDS + " s)");
            }
            slots[i] = new Slot(instance.effect(), label, i, channels, maxFrames, instance.optional(), policy, faults,
                    effectLatency);
            slots[i].bypass(instance.bypassed());
            latency += effectLatency;
        }
        this.channels = channels;
        this.maxFrames = maxFrames;
        this.latencyFrames = latency;
    }

    /**
     * Activates every instance for this format and takes ownership of them (they are
     * deactivated and released by {@link #close}). If an activation fails, the instances
     * activated so far are deactivated, all are released, and the exception is rethrown.
     * Thread: control thread.
     */
    public static Chain activate(List<EffectInstance> instances, double sampleRate, int maxFrames, int channels) {
        return activate(instances, sampleRate, maxFrames, channels, FaultPolicy.offline(sampleRate), new FaultLog(64));
    }

    /**
     * As {@link #activate(List, double, int, int)}, with the fault policy and the log that
     * misbehaving effects are reported to.
     */
    public static Chain activate(List<EffectInstance> instances, double sampleRate, int maxFrames, int channels,
                                 FaultPolicy policy, FaultLog faults) {
        return activate(instances, sampleRate, maxFrames, channels, policy, faults, EffectCalls.DIRECT);
    }

    /**
     * As {@link #activate(List, double, int, int, FaultPolicy, FaultLog)}, every call into the
     * effects made through {@code calls} (watched). Throws {@link EffectStuckException} if one
     * hangs: the instances then stay with the abandoned thread (none is processed or reused).
     */
    public static Chain activate(List<EffectInstance> instances, double sampleRate, int maxFrames, int channels,
                                 FaultPolicy policy, FaultLog faults, EffectCalls calls) {
        EffectInstance[] slots = instances.toArray(EffectInstance[]::new);
        return calls.run(() -> {
            int activated = 0;
            try {
                for (EffectInstance slot : slots) {
                    calls.enter("activate", slot);
                    try {
                        slot.effect().activate(sampleRate, maxFrames, channels);
                    } finally {
                        calls.exit();
                    }
                    activated++;
                }
                return new Chain(slots, channels, maxFrames, policy, faults, calls,
                        (int) Math.min(1 << 24, Math.round(sampleRate * MAX_LATENCY_SECONDS)));
            } catch (RuntimeException e) {
                for (int i = 0; i < activated; i++) {
                    calls.enter("deactivate", slots[i]);
                    try {
                        slots[i].effect().deactivate();
                    } catch (RuntimeException ignored) {
                        // the activation failure is what is reported
                    } finally {
                        calls.exit();
                    }
                }
                for (EffectInstance slot : slots) {
                    calls.enter("release", slot);
                    try {
                        slot.close();
                    } finally {
                        calls.exit();
                    }
                }
                throw e;
            }
        });
    }

    /**
     * Runs every effect in order over {@code buffers[0..channels)[0..frames)}, in place; a
     * revoked chain leaves the block as it is. Thread: audio thread. No allocation, no lock.
     */
    public void process(float[][] buffers, int frames) {
        active = 0; // announced before the flag is read: revoke() sees one or the other
        if (revoked) {
            active = -1;
            return;
        }
        Slot[] s = slots;
        long mark = AudioAllocation.current();
        for (int i = 0; i < s.length; i++) {
            active = i;
            s[i].process(buffers, frames, shed);
            if (AudioAllocation.METERED) {
                long now = AudioAllocation.current();
                if (now != mark) {
                    s[i].allocated(now - mark);
                    mark = now;
                }
            }
        }
        active = -1;
    }

    /**
     * While {@code on}, effects marked optional are bypassed (with a fade) to save time.
     * Thread: audio thread.
     */
    void shed(boolean on) {
        shed = on;
    }

    /** The position of the effect running now, or -1 between effects. Thread: any. */
    public int activeSlot() {
        return active;
    }

    /**
     * Stops the audio thread from running this chain's effects: from now on {@link #process}
     * passes the block through untouched, and this returns once the audio thread is no longer
     * inside the chain (or after {@code timeoutNanos}: then false, the thread is stuck inside).
     * For an effect whose bundle is going away: after this, its instances can be deactivated
     * however the audio thread is doing. Thread: control thread.
     */
    public boolean revoke(long timeoutNanos) {
        revoked = true;
        long end = System.nanoTime() + timeoutNanos;
        while (active != -1) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        return true;
    }

    /** True once {@link #revoke} was called. */
    public boolean revoked() {
        return revoked;
    }

    /** The effect at {@code index} (tests and benchmarks; the host calls effects through this chain). */
    public Effect effect(int index) {
        return slots[index].effect();
    }

    /** The descriptor of the effect at {@code index}, as read when it was made. */
    public EffectDescriptor descriptor(int index) {
        return instances[index].descriptor();
    }

    /** Who the effect at {@code index} is (id, version, position in the configured chain). */
    public EffectLabel label(int index) {
        return slots[index].label();
    }

    /** The parameter's current target (a watched call into the effect). Thread: control thread. */
    public double parameter(int index, int parameter) {
        EffectInstance instance = instances[index];
        return calls.run(() -> {
            calls.enter("parameter", instance);
            try {
                return instance.effect().parameter(parameter);
            } finally {
                calls.exit();
            }
        });
    }

    /** Sets a parameter's target (a watched call into the effect). Thread: control thread. */
    public void setParameter(int index, int parameter, double value) {
        EffectInstance instance = instances[index];
        calls.run(() -> {
            calls.enter("setParameter", instance);
            try {
                instance.effect().setParameter(parameter, value);
            } finally {
                calls.exit();
            }
        });
    }

    /** Bypasses the effect at {@code index} with a fade, or fades it back in. Thread: any. */
    public void bypass(int index, boolean on) {
        slots[index].bypass(on);
    }

    /** True if the effect at {@code index} may be shed under overload. */
    public boolean optional(int index) {
        return slots[index].optional();
    }

    /** Faults of the effect at {@code index} in this chain. Thread: any. */
    public int faults(int index) {
        return slots[index].faults();
    }

    /** True if the effect at {@code index} is disabled after repeated faults. Thread: any (snapshot). */
    public boolean disabled(int index) {
        return slots[index].disabled();
    }

    /** The effect's processing times at {@code index}. Thread: one control thread reads. */
    public TimeSummary time(int index) {
        return slots[index].time().summary();
    }

    /** Bytes the audio thread allocated inside the slot at {@code index} so far. Thread: any. */
    public long allocatedBytes(int index) {
        return slots[index].allocatedBytes();
    }

    /**
     * Runs every effect not yet warmed up in this JVM over {@code blocks} blocks of a deterministic test signal (noise with loud
     * bursts, so that level-dependent paths run too) and resets them: the JIT compiles their code
     * here, on the control thread, instead of on the audio thread's first blocks. An effect that
     * throws is left to its slot's fault handling; one that hangs is abandoned by the watchdog
     * ({@link EffectStuckException}). At most {@value #WARM_UP_MAX_MILLIS} ms of it: an effect that
     * takes milliseconds per block has run its loops often enough by then for the JIT, and a chain
     * of heavy effects still goes live at once (3000 blocks of a 2 ms effect took 6.4 s, more on a
     * loaded machine). Thread: control thread, before the chain is submitted.
     */
    public void warmUp(int blocks) {
        calls.run(() -> warmUpHere(blocks));
    }

    private void warmUpHere(int blocks) {
        List<EffectInstance> cold = new ArrayList<>();
        for (EffectInstance instance : instances) {
            if (!WARM.contains(instance.effect().getClass())) {
                cold.add(instance);
            }
        }
        if (cold.isEmpty()) {
            return;
        }
        double[][] values = new double[instances.length][];
        for (int i = 0; i < instances.length; i++) {
            EffectInstance instance = instances[i];
            values[i] = new double[instance.descriptor().parameters().size()];
            calls.enter("parameter", instance);
            try {
                for (int p = 0; p < values[i].length; p++) {
                    values[i][p] = instance.effect().parameter(p);
                }
            } finally {
                calls.exit();
            }
        }
        float[][] buf = new float[channels][maxFrames];
        long seed = 0x9E3779B97F4A7C15L;
        long deadline = System.nanoTime() + WARM_UP_MAX_MILLIS * 1_000_000L;
        for (int b = 0; b < blocks && (b % 16 != 15 || System.nanoTime() < deadline); b++) {
            float level = (b / 64) % 4 == 3 ? 1.5f : 0.05f;
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < maxFrames; i++) {
                    seed = seed * 6364136223846793005L + 1442695040888963407L;
                    buf[c][i] = level * ((seed >>> 40) / (float) (1 << 24) - 0.5f);
                }
            }
            for (EffectInstance instance : cold) {
                Effect effect = instance.effect();
                if (b % 50 == 25) { // parameter moves, so that the smoothing paths compile too
                    List<ParameterDescriptor> ps = instance.descriptor().parameters();
                    calls.enter("warm-up", instance);
                    try {
                        for (int p = 0; p < ps.size(); p++) {
                            ParameterDescriptor d = ps.get(p);
                            double t = ((b / 50) % 3) / 2.0;
                            double v = d.scale() == ParameterDescriptor.Scale.TOGGLE ? 0
                                    : d.min() + t * (d.max() - d.min());
                            try {
                                effect.setParameter(p, d.check(v) == null ? v : d.defaultValue());
                            } catch (IllegalArgumentException e) {
                                // a value the effect refuses: skip it
                            }
                        }
                    } finally {
                        calls.exit();
                    }
                }
                calls.enter("warm-up", instance);
                try {
                    effect.process(buf, buf, maxFrames);
                } catch (RuntimeException e) {
                    // the slot deals with it on the audio thread
                } finally {
                    calls.exit();
                }
            }
        }
        for (int i = 0; i < instances.length; i++) {
            EffectInstance instance = instances[i];
            if (cold.contains(instance)) {
                calls.enter("reset", instance);
                try {
                    for (int p = 0; p < values[i].length; p++) {
                        instance.effect().setParameter(p, values[i][p]);
                    }
                    instance.effect().reset();
                } finally {
                    calls.exit();
                }
                WARM.add(instance.effect().getClass());
            }
        }
    }

    /** Where this chain reports misbehaving effects. */
    public FaultLog faults() {
        return faults;
    }

    /** Lets the effect at {@code index}, bypassed after repeated faults, run again. Thread: any. */
    public void enable(int index) {
        slots[index].enable();
    }

    /** True while the effect at {@code index} is bypassed. Thread: the audio thread, or any thread for a snapshot. */
    public boolean bypassed(int index) {
        return slots[index].bypassed();
    }

    /** Sum of the effects' latencies, in frames, fixed at activation. */
    public int latencyFrames() {
        return latencyFrames;
    }

    public int channels() {
        return channels;
    }

    public int maxFrames() {
        return maxFrames;
    }

    public int size() {
        return slots.length;
    }

    /**
     * Deactivates every instance, once (later calls do nothing); an effect that throws is reported
     * and the others still deactivated; one that hangs is abandoned (reported by the
     * {@link EffectCalls}). Thread: control thread, once the audio thread has let go of the chain.
     */
    public void deactivate() {
        if (deactivated) {
            return;
        }
        deactivated = true;
        try {
            calls.run(() -> {
                for (EffectInstance instance : instances) {
                    calls.enter("deactivate", instance);
                    try {
                        instance.effect().deactivate();
                    } catch (RuntimeException e) {
                        calls.problem(instance, "deactivate", e);
                    } finally {
                        calls.exit();
                    }
                }
            });
        } catch (EffectStuckException e) {
            // reported by the watchdog; the rest stay with the abandoned thread
        }
    }

    /** Gives every instance back to its provider, once (after {@link #deactivate}). Thread: control thread. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        try {
            calls.run(() -> {
                for (EffectInstance instance : instances) {
                    calls.enter("release", instance);
                    try {
                        instance.close();
                    } catch (RuntimeException e) {
                        calls.problem(instance, "release", e);
                    } finally {
                        calls.exit();
                    }
                }
            });
        } catch (EffectStuckException e) {
            // reported by the watchdog
        }
    }

    /** Deactivates and releases every instance (each once). Thread: control thread. */
    @Override
    public void close() {
        deactivate();
        release();
    }

    /** True once {@link #deactivate} ran. */
    public boolean deactivated() {
        return deactivated;
    }
}
