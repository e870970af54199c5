/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Base class that implements the {@link Effect} bookkeeping: lifecycle state, argument checks,
 * and lock-free parameter storage. Subclasses implement {@link #onActivate}, {@link #render} and
 * usually {@link #onReset}; they read parameter targets with {@link #parameter(int)} once per
 * block and smooth them (see {@link org.vocana.sdk.dsp.LinearRamp}).
 */
public abstract class AbstractEffect implements Effect {

    /** Largest channel count an effect can be activated with. */
    public static final int MAX_CHANNELS = 64;
    /** Lowest accepted sample rate. */
    public static final double MIN_SAMPLE_RATE = 1_000;
    /** Highest accepted sample rate. */
    public static final double MAX_SAMPLE_RATE = 768_000;

    private final EffectDescriptor descriptor;
    /** Parameter targets as raw double bits; AtomicLongArray gives volatile (acquire/release) access without locks. */
    private final AtomicLongArray targets;

    private boolean active;
    private double sampleRate;
    private int maxFrames;
    private int channels;

    protected AbstractEffect(EffectDescriptor descriptor) {
        this.descriptor = descriptor;
        this.targets = new AtomicLongArray(descriptor.parameters().size());
        for (int i = 0; i < targets.length(); i++) {
            targets.set(i, Double.doubleToRawLongBits(descriptor.parameters().get(i).defaultValue()));
        }
    }

    @Override
    public final EffectDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public final void activate(double sampleRate, int maxFrames, int channels) {
        if (active) {
            throw new IllegalStateException(descriptor.id() + ": activate() called twice; call deactivate() first");
        }
        if (!(sampleRate >= MIN_SAMPLE_RATE && sampleRate <= MAX_SAMPLE_RATE)) {
            throw new IllegalArgumentException(descriptor.id() + ": sample rate " + sampleRate
                    + " Hz is not supported: accepted 1000..768000 Hz");
        }
        if (maxFrames < 1) {
            throw new IllegalArgumentException(descriptor.id() + ": maxFrames " + maxFrames + " is not supported: accepted 1 or more");
        }
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new IllegalArgumentException(descriptor.id() + ": " + channels
                    + " channels are not supported: accepted 1.." + MAX_CHANNELS);
        }
        this.sampleRate = sampleRate;
        this.maxFrames = maxFrames;
        this.channels = channels;
        onActivate(sampleRate, maxFrames, channels);
        active = true;
        onReset();
    }

    @Override
    public final void deactivate() {
        if (active) {
            active = false;
            onDeactivate();
        }
    }

    @Override
    public final void reset() {
        if (active) {
            onReset();
        }
    }

    @Override
    public final void process(float[][] in, float[][] out, int frames) {
        if (!active || frames < 0 || frames > maxFrames || in.length < channels || out.length < channels) {
            throw misuse(in, out, frames);
        }
        if (frames == 0) {
            return;
        }
        render(in, out, frames);
    }

    /** The exception for a call that breaks {@link #process}'s contract; kept out of the hot method. */
    private RuntimeException misuse(float[][] in, float[][] out, int frames) {
        if (!active) {
            return new IllegalStateException(descriptor.id() + ": process() called before activate()");
        }
        if (frames < 0 || frames > maxFrames) {
            return new IllegalArgumentException(descriptor.id() + ": block of " + frames
                    + " frames; accepted 0.." + maxFrames);
        }
        return new IllegalArgumentException(descriptor.id() + ": needs " + channels + " channel buffers, got "
                + Math.min(in.length, out.length));
    }

    @Override
    public final void setParameter(int index, double value) {
        if (index < 0 || index >= targets.length()) {
            throw new IllegalArgumentException(descriptor.id() + ": no parameter at index " + index
                    + "; it has " + targets.length());
        }
        String problem = descriptor.parameters().get(index).check(value);
        if (problem != null) {
            throw new IllegalArgumentException(descriptor.id() + ": " + problem);
        }
        targets.set(index, Double.doubleToRawLongBits(value));
    }

    @Override
    public final double parameter(int index) {
        return Double.longBitsToDouble(targets.get(index));
    }

    @Override
    public int latencyFrames() {
        return 0;
    }

    @Override
    public int tailFrames() {
        return 0;
    }

    /** True between {@link #activate} and {@link #deactivate}. */
    protected final boolean isActive() {
        return active;
    }

    protected final double sampleRate() {
        return sampleRate;
    }

    protected final int maxFrames() {
        return maxFrames;
    }

    protected final int channels() {
        return channels;
    }

    /** Allocates buffers for this rate, block size and channel count. Thread: control thread. */
    protected abstract void onActivate(double sampleRate, int maxFrames, int channels);

    /** Releases what {@link #onActivate} allocated (default: nothing to do). Thread: control thread. */
    protected void onDeactivate() {
    }

    /**
     * Clears signal state and jumps smoothed parameters to their targets. Called after
     * {@link #onActivate} and by {@link #reset}. Thread: audio or control thread; no allocation.
     */
    protected abstract void onReset();

    /**
     * Processes {@code frames} (at least 1, at most maxFrames) frames; arguments are already
     * checked. Thread: audio thread; no allocation, no lock.
     */
    protected abstract void render(float[][] in, float[][] out, int frames);
}
