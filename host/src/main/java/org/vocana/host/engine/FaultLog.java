/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Fault reports from the audio thread to a control thread, without allocation or locks: a
 * single-producer single-consumer ring of preallocated records. When the control thread falls
 * behind and the ring is full, new reports are counted as dropped.
 */
public final class FaultLog {

    /** Why an effect was bypassed. */
    public enum Reason {
        /** process() threw. */
        THREW,
        /** The output held NaN or infinity. */
        NON_FINITE,
        /** process() exceeded its time budget on consecutive blocks. */
        TOO_SLOW
    }

    /**
     * One report. {@code disabled} is true when this fault reached the limit and the effect now
     * stays bypassed until re-enabled.
     */
    public record Fault(int slot, String effectId, Reason reason, int count, boolean disabled, long nanoTime) {
    }

    private static final Reason[] REASONS = Reason.values();

    private final int mask;
    private final int[] slots;
    private final String[] effectIds;
    private final int[] reasons;
    private final int[] counts;
    private final boolean[] disabled;
    private final long[] times;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** @param capacity a power of two */
    public FaultLog(int capacity) {
        if (capacity < 1 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
        }
        mask = capacity - 1;
        slots = new int[capacity];
        effectIds = new String[capacity];
        reasons = new int[capacity];
        counts = new int[capacity];
        disabled = new boolean[capacity];
        times = new long[capacity];
    }

    /** Records a fault. Thread: audio thread (the single producer). No allocation. */
    void report(int slot, String effectId, Reason reason, int count, boolean nowDisabled) {
        long h = head.get();
        if (h - tail.get() > mask) {
            dropped.incrementAndGet();
            return;
        }
        int i = (int) (h & mask);
        slots[i] = slot;
        effectIds[i] = effectId;
        reasons[i] = reason.ordinal();
        counts[i] = count;
        disabled[i] = nowDisabled;
        times[i] = System.nanoTime();
        head.lazySet(h + 1);
    }

    /** Hands every pending report to {@code sink}; returns how many. Thread: one control thread. */
    public int drain(Consumer<Fault> sink) {
        long t = tail.get();
        long h = head.get();
        int n = 0;
        for (; t < h; t++, n++) {
            int i = (int) (t & mask);
            sink.accept(new Fault(slots[i], effectIds[i], REASONS[reasons[i]], counts[i], disabled[i], times[i]));
            effectIds[i] = null;
        }
        tail.lazySet(t);
        return n;
    }

    /** Reports lost because the ring was full. */
    public long dropped() {
        return dropped.get();
    }
}
