/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.vocana.host.ring.RegionLayout.CLOCK_NONE;
import static org.vocana.host.ring.RegionLayout.CLOCK_VH;
import static org.vocana.host.ring.RegionLayout.CONSUMER_FAULTS_VH;
import static org.vocana.host.ring.RegionLayout.LATE_FRAMES_VH;
import static org.vocana.host.ring.RegionLayout.READ_LATENCY_VH;
import static org.vocana.host.ring.RegionLayout.TIME_BASE_VH;
import static org.vocana.host.ring.RegionLayout.FROM_HOST;
import static org.vocana.host.ring.RegionLayout.OVERRUNS_VH;
import static org.vocana.host.ring.RegionLayout.OVERRUN_FRAMES_VH;
import static org.vocana.host.ring.RegionLayout.PRODUCER_FAULTS_VH;
import static org.vocana.host.ring.RegionLayout.READ_POS_VH;
import static org.vocana.host.ring.RegionLayout.SAMPLE;
import static org.vocana.host.ring.RegionLayout.UNDERRUNS_VH;
import static org.vocana.host.ring.RegionLayout.UNDERRUN_FRAMES_VH;
import static org.vocana.host.ring.RegionLayout.WRITE_POS_VH;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The host's producer of the "from host" ring (what applications record from the device), with
 * the semantics of {@code vocana_ring_write}: load the device's read_pos (acquire), copy frames into
 * the free span, store write_pos (release).
 * <ul>
 * <li>Full ring: what fits is written and the NEWEST frames are dropped (the producer may not move
 * read_pos, which the device owns); one overrun and the dropped frames are counted.</li>
 * <li>Implausible read_pos (ahead of us, or more than the capacity behind): one fault is counted and
 * our position is resynchronised to it (the ring is then empty). Every index is masked, so no value
 * in shared memory can address memory outside the ring or make a call throw.</li>
 * </ul>
 * Every sample written is finite and at most {@link SampleGuard#MAX_ABS} (2^24) in magnitude (others are
 * replaced by silence, in the caller's block too, and counted: {@link #guard}).
 * Real-time safe: no allocation, no lock, no system call. One audio thread at a time.
 */
public final class FromHostWriter extends RingEndpoint {

    private long overruns;
    private long overrunFrames;
    private int publishedClock = -1;
    private long publishedBase;
    private boolean stamping;
    private int stampClock;
    private long stampTime;
    private final SampleGuard guard = new SampleGuard();

    FromHostWriter(MemorySegment region, Gate gate, long data, int capacity, int channels, long startPos) {
        super(region, gate, FROM_HOST, data, capacity, channels, startPos);
    }

    /**
     * Frames writable now (an implausible read_pos is counted and resynchronised here too); 0 once
     * the region is closed.
     */
    public int space() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return spaceInside();
        } finally {
            gate.leave();
        }
    }

    private int spaceInside() {
        long rd = (long) READ_POS_VH.getAcquire(region, ctl);
        long used = pos - rd;
        if (Long.compareUnsigned(used, capacity) > 0) {
            faults++;
            PRODUCER_FAULTS_VH.setOpaque(region, ctl, faults);
            pos = rd;
            WRITE_POS_VH.setRelease(region, ctl, rd);
            return capacity;
        }
        return capacity - (int) used;
    }

    /**
     * Writes up to {@code frames} frames from {@code planar[0..channels-1][0..frames-1]},
     * interleaving them; returns the frames written. When the ring is full the rest (the newest
     * frames) is dropped and counted.
     *
     * @throws IllegalArgumentException if {@code frames < 0} or the arrays are too few or too short
     *                                  (a caller bug; nothing in shared memory can cause it)
     */
    public int write(float[][] planar, int frames) {
        checkArguments(planar, frames);
        stamping = false;
        return put(planar, frames);
    }

    /**
     * As {@link #write}, for frames whose first has device time {@code time} in {@code clock} (abi.h
     * section 6: the stamp of the "to host" frames they were made from): publishes clock and
     * time_base before the frames, when they change.
     */
    public int writeAt(float[][] planar, int frames, int clock, long time) {
        checkArguments(planar, frames);
        stamping = true;
        stampClock = clock;
        stampTime = time;
        return put(planar, frames);
    }

    /** Writes {@code frames} frames of silence (e.g. to set the initial fill), same policy as write. */
    public int writeSilence(int frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("frames " + frames + " < 0");
        }
        stamping = false;
        return put(null, frames);
    }

    private int put(float[][] planar, int frames) {
        if (frames == 0) {
            return 0;
        }
        if (!gate.enter()) {
            overruns++;
            overrunFrames += frames;
            return 0;
        }
        try {
            return putInside(planar, frames);
        } finally {
            gate.leave();
        }
    }

    private int putInside(float[][] planar, int frames) {
        int space = spaceInside();
        if (stampChanges() && space < capacity) {
            // abi.h section 6: a new time_base goes only into an empty ring, or the frames still
            // queued would be read by it at the wrong time; until the device side has drained them
            // these frames are dropped, counted as an overrun
            overruns++;
            overrunFrames += frames;
            OVERRUNS_VH.setOpaque(region, ctl, overruns);
            OVERRUN_FRAMES_VH.setOpaque(region, ctl, overrunFrames);
            return 0;
        }
        int n = Math.min(frames, space);
        if (n > 0) {
            if (planar != null) {
                // what applications record is finite: a host bug cannot reach them either
                guard.clean(planar, channels, 0, n);
            }
            publishStamp();
            long p = pos;
            int done = 0;
            while (done < n) {
                int idx = (int) p & mask;
                int run = Math.min(Math.min(n - done, capacity - idx), chunkFrames);
                long off = data + idx * frameBytes;
                if (planar == null) {
                    Arrays.fill(scratch, 0, run * channels, 0.0f);
                    MemorySegment.copy(scratch, 0, region, SAMPLE, off, run * channels);
                } else if (channels == 1) {
                    MemorySegment.copy(planar[0], done, region, SAMPLE, off, run);
                } else {
                    interleave(planar, done, run);
                    MemorySegment.copy(scratch, 0, region, SAMPLE, off, run * channels);
                }
                done += run;
                p += run;
            }
            pos = p;
            // release: the frames above become visible before the position
            WRITE_POS_VH.setRelease(region, ctl, p);
        }
        if (n < frames) {
            overruns++;
            overrunFrames += frames - n;
            OVERRUNS_VH.setOpaque(region, ctl, overruns);
            OVERRUN_FRAMES_VH.setOpaque(region, ctl, overrunFrames);
        }
        return n;
    }

    /** True if the frames about to be written need another clock or time_base than published. */
    private boolean stampChanges() {
        int clock = stamping ? stampClock : CLOCK_NONE;
        long base = stamping ? stampTime - pos : 0L;
        return clock != publishedClock || (clock != CLOCK_NONE && base != publishedBase);
    }

    /** Clock and time_base for the frames about to be written; only with frames to publish. */
    private void publishStamp() {
        int clock = stamping ? stampClock : CLOCK_NONE;
        long base = stamping ? stampTime - pos : 0L;
        if (clock != publishedClock) {
            CLOCK_VH.setOpaque(region, ctl, clock);
            publishedClock = clock;
            TIME_BASE_VH.setOpaque(region, ctl, base);
            publishedBase = base;
        } else if (base != publishedBase) {
            TIME_BASE_VH.setOpaque(region, ctl, base);
            publishedBase = base;
        }
    }

    private void interleave(float[][] planar, int at, int run) {
        final float[] s = scratch;
        final int ch = channels;
        for (int c = 0; c < ch; c++) {
            float[] src = planar[c];
            for (int f = 0, i = c; f < run; f++, i += ch) {
                s[i] = src[at + f];
            }
        }
    }

    /**
     * What this writer replaced by silence before it reached the device side: NaN, infinite or
     * beyond {@link SampleGuard#MAX_ABS} (2^24) samples coming out of the host (the "from host"
     * direction's counts; anything here is a host bug, as the chain already bypasses an effect that
     * outputs NaN). Thread: any.
     */
    public SampleGuard guard() {
        return guard;
    }

    /** Full-ring events so far. */
    public long overruns() {
        return overruns;
    }

    /** Frames dropped because the ring was full. */
    public long overrunFrames() {
        return overrunFrames;
    }

    /** The device side's count of short reads (informational: shared memory, untrusted). */
    public long deviceUnderruns() {
        return peerCounter(UNDERRUNS_VH);
    }

    /** Frames of silence the device side played because this ring was empty (informational). */
    public long deviceUnderrunFrames() {
        return peerCounter(UNDERRUN_FRAMES_VH);
    }

    /** Frames the device side skipped because they came after their time (informational, untrusted). */
    public long deviceLateFrames() {
        return peerCounter(LATE_FRAMES_VH);
    }

    /**
     * The latency L the device side reads at (abi.h section 6), in frames; 0 before it read. Untrusted:
     * clamped to the capacity.
     */
    public int deviceReadLatency() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            int v = (int) READ_LATENCY_VH.getOpaque(region, ctl);
            return Integer.compareUnsigned(v, capacity) > 0 ? capacity : v;
        } finally {
            gate.leave();
        }
    }

    /** The device side's count of implausible write_pos values it saw (informational, untrusted). */
    public long deviceFaults() {
        return peerCounter(CONSUMER_FAULTS_VH);
    }
}
