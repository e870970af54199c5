/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import org.vocana.sdk.Effect;

/**
 * One effect in a chain with its fault isolation. The effect processes the block in place; the
 * slot keeps a copy of the block's input (the "dry" signal, delayed by the effect's latency so that
 * a bypassed effect keeps the chain's timing) so that it can bypass the effect at any moment: at once when the effect throws or outputs NaN/infinity (its output is unusable), with
 * a fade when it is too slow. A bypassed effect is reset and faded back in after a cool-down,
 * until it has faulted {@link FaultPolicy#maxFaults()} times; then it stays bypassed until
 * {@link #enable()}. A slot is also bypassed, with a fade, on request ({@link #bypass}) and, if
 * it is optional, while the engine sheds load; a bypassed effect is not run, and is reset before
 * it fades back in. Audio-thread state; owned by one audio thread. No allocation in
 * {@link #process}.
 */
final class Slot {

    private static final int RUNNING = 0;
    private static final int COOLING = 1;
    private static final int DISABLED = 2;

    private final Effect effect;
    private final EffectLabel label;
    private final int index;
    private final int channels;
    private final FaultPolicy policy;
    private final FaultLog log;
    private final float[][] dry;
    private final boolean optional;
    private final TimeRecorder time = new TimeRecorder(2);
    /** The effect's latency: the dry path is delayed by as much. */
    private final int latency;
    /** The input's recent past (power-of-two length), for the delayed dry path; unused when latency is 0. */
    private final float[][] history;
    private long written;
    /** Frames to wait after a reset before fading the effect in (its delay line fills). */
    private int holdLeft;

    /** Wet amount: 1 = the effect's output, 0 = bypassed. */
    private float wet = 1f;
    private float wetStep;
    private float wetTarget = 1f;
    private int state = RUNNING;
    private int faults;
    private int slowStreak;
    private long coolingLeft;
    /** A fade to 0 caused by a fault (too slow); ends in cool-down, not in rest. */
    private boolean faultFade;
    /** Bypassed on request or shed: the effect is not run. */
    private boolean resting;
    private volatile boolean enableRequested;
    private volatile boolean bypassRequested;
    private volatile int faultCount;
    /** Bytes the audio thread allocated inside this slot (written by the audio thread only). */
    private volatile long allocatedBytes;
    /** The effect threw in the block being processed (audio thread). */
    private boolean threw;

    /**
     * @param label who the effect is, for reports
     * @param latency the effect's latency in frames (read by the chain on a watched thread)
     */
    Slot(Effect effect, EffectLabel label, int index, int channels, int maxFrames, boolean optional, FaultPolicy policy,
         FaultLog log, int latency) {
        this.effect = effect;
        this.label = label;
        this.index = index;
        this.channels = channels;
        this.policy = policy;
        this.log = log;
        this.dry = new float[channels][maxFrames];
        this.optional = optional;
        this.latency = Math.max(0, latency);
        this.history = new float[channels][latency == 0 ? 1 : Integer.highestOneBit(latency + maxFrames) * 2];
    }

    Effect effect() {
        return effect;
    }

    EffectLabel label() {
        return label;
    }

    /**
     * Adds bytes the audio thread allocated while this slot ran, unless the effect threw in this
     * block: what its exception cost belongs to the fault, which is reported as such. Thread:
     * audio thread. No allocation.
     */
    void allocated(long bytes) {
        if (threw) {
            threw = false;
            return;
        }
        allocatedBytes = allocatedBytes + bytes;
    }

    /** Bytes the audio thread allocated inside this slot so far. Thread: any. */
    long allocatedBytes() {
        return allocatedBytes;
    }

    /** Faults so far. Thread: any. */
    int faults() {
        return faultCount;
    }

    /** True while the effect is bypassed or fading out. */
    boolean bypassed() {
        return state != RUNNING || wetTarget == 0f;
    }

    /** True if the effect stays bypassed after repeated faults until {@link #enable()}d. Thread: any (racy snapshot). */
    boolean disabled() {
        return state == DISABLED;
    }

    boolean optional() {
        return optional;
    }

    /** Bypasses the effect with a fade ({@code true}) or fades it back in. Thread: any. */
    void bypass(boolean on) {
        bypassRequested = on;
    }

    /** True if bypass was requested. Thread: any. */
    boolean bypassRequested() {
        return bypassRequested;
    }

    /** The effect's processing times. */
    TimeRecorder time() {
        return time;
    }

    /** Lets a disabled effect run again (fault count cleared). Thread: any. */
    void enable() {
        enableRequested = true;
    }

    /**
     * Runs the effect over the block in place, or bypasses it.
     *
     * @param shed true while the engine is overloaded: an optional effect is bypassed
     */
    void process(float[][] buf, int frames, boolean shed) {
        threw = false;
        if (enableRequested) {
            enableRequested = false;
            if (state != RUNNING) {
                faults = 0;
                faultCount = 0;
                coolingLeft = 0;
                state = COOLING;
            }
        }
        captureDry(buf, frames);
        boolean off = bypassRequested || (optional && shed);
        if (state != RUNNING) {
            if (state == DISABLED || (coolingLeft -= frames) > 0) {
                restoreDry(buf, frames);
                return;
            }
            state = RUNNING;
            resting = true;
        }
        if (off) {
            holdLeft = 0;
            if (resting) {
                restoreDry(buf, frames);
                return;
            }
            if (wetTarget != 0f || faultFade) {
                faultFade = false;
                fadeTo(0f);
            }
        } else if (resting) {
            // back in: from a clean state, faded in once its delay line holds signal again
            resting = false;
            effect.reset();
            slowStreak = 0;
            wet = 0f;
            wetTarget = 0f;
            wetStep = 0f;
            holdLeft = latency;
            if (holdLeft == 0) {
                fadeTo(1f);
            }
        } else if (wetTarget == 0f && !faultFade && holdLeft <= 0) {
            fadeTo(1f);
        }
        long start = System.nanoTime();
        try {
            effect.process(buf, buf, frames);
        } catch (Throwable t) {
            threw = true;
            restoreDry(buf, frames);
            fault(FaultLog.Reason.THREW, t); // the reference only: the control thread formats it
            return;
        }
        long elapsed = System.nanoTime() - start;
        time.record(elapsed);
        if (!finite(buf, frames)) {
            restoreDry(buf, frames);
            fault(FaultLog.Reason.NON_FINITE, null);
            return;
        }
        if (elapsed > policy.budgetNanos() && wetTarget != 0f) {
            if (++slowStreak >= policy.slowBlocks()) {
                faults++;
                faultCount = faults;
                boolean disable = faults >= policy.maxFaults();
                log.report(index, label, FaultLog.Reason.TOO_SLOW, faults, disable, null);
                faultFade = true;
                fadeTo(0f);
            }
        } else {
            slowStreak = 0;
        }
        if (holdLeft > 0) {
            holdLeft -= frames; // the fade-in starts with the next block: all of it holds signal
        }
        if (wet != 1f || wetTarget != 1f) {
            mix(buf, frames, off);
        }
    }

    /**
     * Copies the block's input into {@link #dry}, delayed by the effect's latency: what the slot
     * outputs while bypassed, so that bypassing keeps the chain's timing and fades between the
     * effect and its input line up.
     */
    private void captureDry(float[][] buf, int frames) {
        if (latency == 0) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(buf[c], 0, dry[c], 0, frames);
            }
            return;
        }
        int mask = history[0].length - 1;
        for (int c = 0; c < channels; c++) {
            float[] h = history[c];
            float[] in = buf[c];
            float[] d = dry[c];
            long w = written;
            for (int i = 0; i < frames; i++, w++) {
                h[(int) (w & mask)] = in[i];
                d[i] = h[(int) ((w - latency) & mask)];
            }
        }
        written += frames;
    }

    /** Blends dry and wet while a fade runs; enters cool-down when a fade-out ends. */
    private void mix(float[][] buf, int frames, boolean off) {
        float w = wet;
        for (int i = 0; i < frames; i++) {
            w += wetStep;
            if ((wetStep > 0 && w >= wetTarget) || (wetStep < 0 && w <= wetTarget) || wetStep == 0) {
                w = wetTarget;
            }
            for (int c = 0; c < channels; c++) {
                float d = dry[c][i];
                buf[c][i] = d + w * (buf[c][i] - d);
            }
        }
        wet = w;
        if (w == 0f && wetTarget == 0f) {
            if (faultFade) {
                faultFade = false;
                enterCooldown();
            } else if (off) {
                resting = true;
            }
        }
    }

    private void fadeTo(float target) {
        wetTarget = target;
        wetStep = (target - wet) / policy.fadeFrames();
    }

    private void fault(FaultLog.Reason reason, Throwable error) {
        faults++;
        faultCount = faults;
        faultFade = false;
        boolean disable = faults >= policy.maxFaults();
        log.report(index, label, reason, faults, disable, error);
        wet = 0f;
        wetTarget = 0f;
        wetStep = 0f;
        enterCooldown();
    }

    private void enterCooldown() {
        state = faults >= policy.maxFaults() ? DISABLED : COOLING;
        coolingLeft = policy.cooldownFrames();
    }

    private void restoreDry(float[][] buf, int frames) {
        for (int c = 0; c < channels; c++) {
            System.arraycopy(dry[c], 0, buf[c], 0, frames);
        }
    }

    private boolean finite(float[][] buf, int frames) {
        for (int c = 0; c < channels; c++) {
            float[] x = buf[c];
            float acc = 0f;
            for (int i = 0; i < frames; i++) {
                acc += x[i] * 0f;
            }
            if (acc != 0f) {
                return false;
            }
        }
        return true;
    }
}
