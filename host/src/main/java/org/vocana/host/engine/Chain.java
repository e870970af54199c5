/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.List;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.Effect;

/**
 * An activated sequence of effect instances that processes planar blocks in place, each effect in
 * a {@link Slot} that bypasses it when it misbehaves. Built and closed on a control thread;
 * {@link #process} is the audio-thread path shared by offline rendering and the real-time engine.
 */
public final class Chain implements AutoCloseable {

    private final EffectInstance[] instances;
    private final Slot[] slots;
    private final FaultLog faults;
    private final int channels;
    private final int maxFrames;
    private final int latencyFrames;
    /** Effect classes already run through {@link #warmUp} in this JVM: their code is compiled. */
    private static final java.util.Set<Class<?>> WARM = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The slot whose effect runs now, or -1 (for the watchdog). */
    private volatile int active = -1;
    private boolean shed;

    private Chain(EffectInstance[] instances, int channels, int maxFrames, FaultPolicy policy, FaultLog faults) {
        this.instances = instances;
        this.slots = new Slot[instances.length];
        this.faults = faults;
        int latency = 0;
        for (int i = 0; i < instances.length; i++) {
            Effect effect = instances[i].effect();
            slots[i] = new Slot(effect, i, channels, maxFrames, instances[i].optional(), policy, faults);
            slots[i].bypass(instances[i].bypassed());
            latency += effect.latencyFrames();
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
        EffectInstance[] slots = instances.toArray(EffectInstance[]::new);
        int activated = 0;
        try {
            for (EffectInstance slot : slots) {
                slot.effect().activate(sampleRate, maxFrames, channels);
                activated++;
            }
            return new Chain(slots, channels, maxFrames, policy, faults);
        } catch (RuntimeException e) {
            for (int i = 0; i < activated; i++) {
                slots[i].effect().deactivate();
            }
            for (EffectInstance slot : slots) {
                slot.close();
            }
            throw e;
        }
    }

    /**
     * Runs every effect in order over {@code buffers[0..channels)[0..frames)}, in place.
     * Thread: audio thread. No allocation, no lock.
     */
    public void process(float[][] buffers, int frames) {
        Slot[] s = slots;
        for (int i = 0; i < s.length; i++) {
            active = i;
            s[i].process(buffers, frames, shed);
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

    /** The effect at {@code index}. */
    public Effect effect(int index) {
        return slots[index].effect();
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

    /**
     * Runs every effect not yet warmed up in this JVM over {@code blocks} blocks of a deterministic test signal (noise with loud
     * bursts, so that level-dependent paths run too) and resets them: the JIT compiles their code
     * here, on the control thread, instead of on the audio thread's first blocks. An effect that
     * throws is left to its slot's fault handling. Thread: control thread, before the chain is
     * submitted.
     */
    public void warmUp(int blocks) {
        List<EffectInstance> cold = new java.util.ArrayList<>();
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
            Effect effect = instances[i].effect();
            values[i] = new double[effect.descriptor().parameters().size()];
            for (int p = 0; p < values[i].length; p++) {
                values[i][p] = effect.parameter(p);
            }
        }
        float[][] buf = new float[channels][maxFrames];
        long seed = 0x9E3779B97F4A7C15L;
        for (int b = 0; b < blocks; b++) {
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
                    List<org.vocana.sdk.ParameterDescriptor> ps = effect.descriptor().parameters();
                    for (int p = 0; p < ps.size(); p++) {
                        org.vocana.sdk.ParameterDescriptor d = ps.get(p);
                        double t = ((b / 50) % 3) / 2.0;
                        double v = d.scale() == org.vocana.sdk.ParameterDescriptor.Scale.TOGGLE ? 0
                                : d.min() + t * (d.max() - d.min());
                        try {
                            effect.setParameter(p, d.check(v) == null ? v : d.defaultValue());
                        } catch (IllegalArgumentException e) {
                            // a value the effect refuses: skip it
                        }
                    }
                }
                try {
                    effect.process(buf, buf, maxFrames);
                } catch (RuntimeException e) {
                    // the slot deals with it on the audio thread
                }
            }
        }
        for (int i = 0; i < instances.length; i++) {
            if (cold.contains(instances[i])) {
                Effect effect = instances[i].effect();
                for (int p = 0; p < values[i].length; p++) {
                    effect.setParameter(p, values[i][p]);
                }
                effect.reset();
                WARM.add(effect.getClass());
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

    /** Deactivates and releases every instance. Thread: control thread. */
    @Override
    public void close() {
        for (EffectInstance instance : instances) {
            instance.effect().deactivate();
            instance.close();
        }
    }
}
