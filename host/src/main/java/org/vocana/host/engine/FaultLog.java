/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Fault reports from the audio thread to a control thread, without allocation or locks: a
 * single-producer single-consumer ring of preallocated records. An exception is kept as the
 * reference the effect threw (formatting it allocates: the control thread does that, see
 * {@link FaultReports}). When the control thread falls behind and the ring is full, new reports
 * are counted as dropped.
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
     * One report. {@code slot} is the effect's index in its chain, {@code label} who it is (with
     * its position in the configured chain); {@code error} is what it threw (null unless
     * {@link Reason#THREW}). {@code disabled} is true when this fault reached the limit and the
     * effect now stays bypassed until re-enabled.
     */
    public record Fault(int slot, EffectLabel label, Reason reason, int count, boolean disabled, long nanoTime,
                        Throwable error) {

        /** The effect's id. */
        public String effectId() {
            return label.id();
        }
    }

    private static final Reason[] REASONS = Reason.values();

    private final int mask;
    private final int[] slots;
    private final EffectLabel[] labels;
    private final int[] reasons;
    private final int[] counts;
    private final boolean[] disabled;
    private final long[] times;
    private final Throwable[] errors;
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
        labels = new EffectLabel[capacity];
        reasons = new int[capacity];
        counts = new int[capacity];
        disabled = new boolean[capacity];
        times = new long[capacity];
        errors = new Throwable[capacity];
    }

    /** Records a fault. Thread: audio thread (the single producer). No allocation. */
    void report(int slot, EffectLabel label, Reason reason, int count, boolean nowDisabled, Throwable error) {
        long h = head.get();
        if (h - tail.get() > mask) {
            dropped.incrementAndGet();
            return;
        }
        int i = (int) (h & mask);
        slots[i] = slot;
        labels[i] = label;
        reasons[i] = reason.ordinal();
        counts[i] = count;
        disabled[i] = nowDisabled;
        times[i] = System.nanoTime();
        errors[i] = error;
        head.lazySet(h + 1);
    }

    /** Hands every pending report to {@code sink}; returns how many. Thread: one control thread. */
    public int drain(Consumer<Fault> sink) {
        long t = tail.get();
        long h = head.get();
        int n = 0;
        for (; t < h; t++, n++) {
            int i = (int) (t & mask);
            Fault f = new Fault(slots[i], labels[i], REASONS[reasons[i]], counts[i], disabled[i], times[i], errors[i]);
            labels[i] = null;
            errors[i] = null;
            sink.accept(f);
        }
        tail.lazySet(t);
        return n;
    }

    /** Reports lost because the ring was full. */
    public long dropped() {
        return dropped.get();
    }
}
