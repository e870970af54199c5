/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.dsp;

/**
 * A value that moves linearly to a new target over a fixed number of frames, then holds the
 * target exactly. Used to smooth parameter changes without zipper noise or clicks.
 * Not thread-safe: owned by the audio thread. No allocation after construction.
 */
public final class LinearRamp {

    private int rampFrames = 1;
    private double current;
    private double target;
    private double step;
    private int remaining;

    /** Sets how many frames a change takes (at least 1). Takes effect at the next change. */
    public void setRampFrames(int frames) {
        this.rampFrames = Math.max(1, frames);
    }

    /** Sets the ramp length from a duration. */
    public void setRampTime(double seconds, double sampleRate) {
        setRampFrames((int) Math.round(seconds * sampleRate));
    }

    /** Jumps to {@code value} at once (for reset). */
    public void jumpTo(double value) {
        current = value;
        target = value;
        remaining = 0;
    }

    /** Starts a ramp to {@code value} unless it is already the target. Cheap when unchanged. */
    public void setTarget(double value) {
        if (value != target) {
            target = value;
            remaining = rampFrames;
            step = (target - current) / rampFrames;
        }
    }

    /** The next value; after the ramp, exactly the target. */
    public double next() {
        if (remaining > 0) {
            remaining--;
            current = remaining == 0 ? target : current + step;
        }
        return current;
    }

    /** True while the value is still moving. */
    public boolean isRamping() {
        return remaining > 0;
    }

    public double current() {
        return current;
    }

    public double target() {
        return target;
    }
}
