/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.List;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.Effect;

/**
 * An activated, immutable sequence of effect instances that processes planar blocks in place.
 * Built and closed on a control thread; {@link #process} is the audio-thread path shared by
 * offline rendering and the real-time engine.
 */
public final class Chain implements AutoCloseable {

    private final EffectInstance[] slots;
    private final Effect[] effects;
    private final int channels;
    private final int maxFrames;
    private final int latencyFrames;

    private Chain(EffectInstance[] slots, int channels, int maxFrames) {
        this.slots = slots;
        this.effects = new Effect[slots.length];
        int latency = 0;
        for (int i = 0; i < slots.length; i++) {
            effects[i] = slots[i].effect();
            latency += effects[i].latencyFrames();
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
        EffectInstance[] slots = instances.toArray(EffectInstance[]::new);
        int activated = 0;
        try {
            for (EffectInstance slot : slots) {
                slot.effect().activate(sampleRate, maxFrames, channels);
                activated++;
            }
            return new Chain(slots, channels, maxFrames);
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
        for (Effect effect : effects) {
            effect.process(buffers, buffers, frames);
        }
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
        return effects.length;
    }

    /** Deactivates and releases every instance. Thread: control thread. */
    @Override
    public void close() {
        for (EffectInstance slot : slots) {
            slot.effect().deactivate();
            slot.close();
        }
    }
}
