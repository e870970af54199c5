/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.atomic.AtomicReference;
import org.jctools.queues.SpscArrayQueue;

/**
 * Runs a device's current chain on the audio thread and swaps chains without a click.
 *
 * <p>A control thread builds and activates a new {@link Chain} and {@link #submit}s it (an
 * immutable snapshot published through an atomic reference). The audio thread picks it up at
 * the next block boundary and crossfades, linearly over {@code fadeFrames}, from the old chain's
 * output to the new one's (both process the same input meanwhile); the fade starts once the new
 * chain's latency has passed, so that its delay lines hold signal, not their initial silence. The retired chain goes back
 * through a lock-free queue; the control thread closes it in {@link #collectRetired()}.
 * A {@code null} chain passes audio through unchanged. {@link #process} allocates nothing and
 * takes no lock.
 */
public final class ChainPlayer {

    private final int channels;
    private final int maxFrames;
    private final int fadeFrames;
    private final AtomicReference<Chain> pending = new AtomicReference<>();
    /** Chains the audio thread is done with, for the control thread to close. */
    private final SpscArrayQueue<Chain> retired = new SpscArrayQueue<>(64);
    private final Object clearRequest = new Object();
    private final AtomicReference<Object> clear = new AtomicReference<>();
    private final float[][] old;

    private volatile Chain current;
    private volatile Chain fading;
    private boolean shed;
    private boolean fadingFromDry;
    private int fadePosition;
    private int fadeHold;
    private Chain awaitingRetirement;
    private volatile int latencyFrames;
    private volatile long swaps;
    /** What becomes of a chain the player is done with (closed, unless the owner says otherwise). */
    private final java.util.function.Consumer<Chain> dispose;

    public ChainPlayer(int channels, int maxFrames, int fadeFrames) {
        this(channels, maxFrames, fadeFrames, Chain::close);
    }

    /**
     * @param dispose takes every chain the player is done with (replaced before it was picked up,
     *     or retired by the audio thread), on the control thread; e.g. {@link Chain#close}
     */
    public ChainPlayer(int channels, int maxFrames, int fadeFrames, java.util.function.Consumer<Chain> dispose) {
        this.dispose = dispose;
        if (channels < 1 || maxFrames < 1 || fadeFrames < 1) {
            throw new IllegalArgumentException("channels, maxFrames and fadeFrames must be positive");
        }
        this.channels = channels;
        this.maxFrames = maxFrames;
        this.fadeFrames = fadeFrames;
        this.old = new float[channels][maxFrames];
    }

    /**
     * Publishes {@code next} (activated for this player's channels and at least its block size)
     * to replace the current chain with a crossfade; {@code null} fades to pass-through. A chain
     * submitted but not yet picked up is replaced and closed here. Thread: control thread.
     */
    public void submit(Chain next) {
        if (next != null && (next.channels() != channels || next.maxFrames() < maxFrames)) {
            throw new IllegalArgumentException("chain for " + next.channels() + " channels and blocks of "
                    + next.maxFrames() + " frames does not fit a player of " + channels + " channels and "
                    + maxFrames + " frames");
        }
        Chain replaced;
        if (next == null) {
            replaced = pending.getAndSet(null);
            clear.set(clearRequest);
        } else {
            clear.set(null);
            replaced = pending.getAndSet(next);
        }
        if (replaced != null) {
            dispose.accept(replaced);
        }
    }

    /**
     * Processes one block in place with the current chain (crossfading after a swap).
     * Thread: audio thread. No allocation, no lock.
     */
    public void process(float[][] buf, int frames) {
        if (fading == null && !fadingFromDry) {
            pickUp();
        }
        if (current != null) {
            current.shed(shed);
        }
        if (fading != null || fadingFromDry) {
            crossfade(buf, frames);
        } else if (current != null) {
            current.process(buf, frames);
        }
        retirePending();
    }

    private void pickUp() {
        Chain next = pending.getAndSet(null);
        boolean toDry = next == null && clear.getAndSet(null) != null;
        if (next == null && !toDry) {
            return;
        }
        if (current == null) {
            fadingFromDry = true;
        } else {
            fading = current;
        }
        current = next;
        fadePosition = 0;
        // a new chain's first output is its delay lines filling (silence): fade in after them
        fadeHold = next == null ? 0 : next.latencyFrames();
        latencyFrames = next == null ? 0 : next.latencyFrames();
        swaps++;
    }

    private void crossfade(float[][] buf, int frames) {
        for (int c = 0; c < channels; c++) {
            System.arraycopy(buf[c], 0, old[c], 0, frames);
        }
        if (fading != null) {
            fading.process(old, frames);
        }
        if (current != null) {
            current.process(buf, frames);
        }
        float step = 1f / fadeFrames;
        for (int i = 0; i < frames; i++) {
            int p = fadePosition + i - fadeHold;
            float g = p < 0 ? 0f : p >= fadeFrames ? 1f : (p + 1) * step;
            for (int c = 0; c < channels; c++) {
                float o = old[c][i];
                buf[c][i] = o + g * (buf[c][i] - o);
            }
        }
        fadePosition += frames;
        if (fadePosition >= fadeHold + fadeFrames) {
            if (fading != null) {
                awaitingRetirement = fading;
            }
            fading = null;
            fadingFromDry = false;
        }
    }

    private void retirePending() {
        if (awaitingRetirement != null && retired.offer(awaitingRetirement)) {
            awaitingRetirement = null;
        }
    }

    /** Disposes of the chains the audio thread has let go of; returns how many. Thread: control thread. */
    public int collectRetired() {
        int n = 0;
        for (Chain chain; (chain = retired.poll()) != null; n++) {
            dispose.accept(chain);
        }
        return n;
    }

    /**
     * Closes every chain (after the audio thread has stopped calling {@link #process}).
     * Thread: control thread.
     */
    public void close() {
        collectRetired();
        for (Chain c : new Chain[] {pending.getAndSet(null), current, fading, awaitingRetirement}) {
            if (c != null) {
                c.close();
            }
        }
        current = null;
        fading = null;
        awaitingRetirement = null;
    }

    /** Latency of the chain in use, in frames. Thread: any. */
    public int latencyFrames() {
        return latencyFrames;
    }

    /** How many chain changes the audio thread has picked up. Thread: any. */
    public long swaps() {
        return swaps;
    }

    /** While {@code on}, chains bypass their optional effects. Thread: audio thread. */
    public void shed(boolean on) {
        shed = on;
    }

    /** The chain the audio thread uses (or fades to). Thread: any (a snapshot). */
    public Chain current() {
        return current;
    }

    /**
     * The chain and position of the effect the audio thread is running now, or {@code null}
     * between effects. Thread: any (a snapshot, for the watchdog).
     */
    public Running running() {
        for (Chain c : new Chain[] {fading, current}) {
            if (c != null) {
                int slot = c.activeSlot();
                if (slot >= 0) {
                    return new Running(c, slot);
                }
            }
        }
        return null;
    }

    /** An effect caught running: {@code chain.effect(slot)}. */
    public record Running(Chain chain, int slot) {
    }
}
