/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.vocana.host.ring.RegionLayout.CLOCK_VH;
import static org.vocana.host.ring.RegionLayout.CONSUMER_FAULTS_VH;
import static org.vocana.host.ring.RegionLayout.RING_OFF_WAKE_SEQ;
import static org.vocana.host.ring.RegionLayout.TIME_BASE_VH;
import static org.vocana.host.ring.RegionLayout.WAITING_VH;
import static org.vocana.host.ring.RegionLayout.WAKE_SEQ_VH;
import static org.vocana.host.ring.RegionLayout.OVERRUNS_VH;
import static org.vocana.host.ring.RegionLayout.OVERRUN_FRAMES_VH;
import static org.vocana.host.ring.RegionLayout.PRODUCER_FAULTS_VH;
import static org.vocana.host.ring.RegionLayout.READ_POS_VH;
import static org.vocana.host.ring.RegionLayout.SAMPLE;
import static org.vocana.host.ring.RegionLayout.TO_HOST;
import static org.vocana.host.ring.RegionLayout.UNDERRUNS_VH;
import static org.vocana.host.ring.RegionLayout.UNDERRUN_FRAMES_VH;
import static org.vocana.host.ring.RegionLayout.WRITE_POS_VH;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The host's consumer of the "to host" ring (what applications play into the device), with the
 * semantics of {@code vocana_ring_read}: load the device's write_pos (acquire), copy the frames out,
 * store read_pos (release).
 * <ul>
 * <li>Empty or short ring: the frames there are returned, the rest of the block is filled with
 * silence (0.0f), one underrun and the missing frames are counted.</li>
 * <li>Implausible write_pos (more than the capacity ahead of us, or "behind" us): one fault is
 * counted and our position is resynchronised to it; the ring is then empty. Every index is masked,
 * so no value in shared memory can address memory outside the ring or make a call throw.</li>
 * </ul>
 * Time stamps (abi.h section 6): each read also takes the device time of its first frame and the
 * clock it counts in ({@link #lastTime()}, {@link #lastClock()}), which the engine carries over to
 * the "from host" ring with {@link FromHostWriter#writeAt}.
 * The reader is the trust boundary for samples too: every sample it returns is finite and at most
 * {@link SampleGuard#MAX_ABS} (2^24) in magnitude; others are replaced by silence and counted
 * ({@link #guard}).
 * Real-time safe: no allocation, no lock, no system call. One audio thread at a time.
 */
public final class ToHostReader extends RingEndpoint {

    private long underruns;
    private long underrunFrames;
    private long lastTime;
    private int lastClock;
    private final MemorySegment wakeWord;
    private final Futex futex = new Futex();
    private final SampleGuard guard = new SampleGuard();

    ToHostReader(MemorySegment region, Gate gate, long data, int capacity, int channels, long startPos) {
        super(region, gate, TO_HOST, data, capacity, channels, startPos);
        this.wakeWord = region.asSlice(TO_HOST + RING_OFF_WAKE_SEQ, 4);
    }

    /** True if {@link #awaitFrames} sleeps until the device side writes (a futex), false if it returns at once. */
    public static boolean canAwait() {
        return Futex.supported();
    }

    /**
     * Sleeps until at least {@code frames} frames are readable, the device side wakes us after a
     * write, or {@code nanos} pass (abi.h section 7: waiting set, write_pos re-checked, a futex wait
     * on wake_seq). Bounded: a device side that never wakes us (gone, or an older one) costs the
     * timeout, no more. Returns at once where there is no futex ({@link #canAwait}). Real-time safe:
     * no allocation, no lock.
     */
    public void awaitFrames(int frames, long nanos) {
        if (!Futex.supported() || !gate.enter()) {
            return;
        }
        try {
            int seen = (int) WAKE_SEQ_VH.getAcquire(region, ctl);
            WAITING_VH.setVolatile(region, ctl, 1);
            // store-load: our waiting store before the write_pos load; the device side stores
            // write_pos, fences and loads waiting, so one of us sees the other
            VarHandle.fullFence();
            if (availableInside() < frames) {
                futex.await(wakeWord, seen, nanos);
            }
            WAITING_VH.setRelease(region, ctl, 0);
        } finally {
            gate.leave();
        }
    }

    /**
     * Frames readable now (an implausible write_pos is counted and resynchronised here too); 0 once
     * the region is closed.
     */
    public int available() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return availableInside();
        } finally {
            gate.leave();
        }
    }

    private int availableInside() {
        long wr = (long) WRITE_POS_VH.getAcquire(region, ctl);
        long avail = wr - pos;
        if (Long.compareUnsigned(avail, capacity) > 0) {
            faults++;
            CONSUMER_FAULTS_VH.setOpaque(region, ctl, faults);
            pos = wr;
            READ_POS_VH.setRelease(region, ctl, wr);
            return 0;
        }
        return (int) avail;
    }

    /**
     * Reads {@code frames} frames, de-interleaved into {@code planar[0..channels-1][0..frames-1]};
     * returns how many are real data, the rest of each channel's block is silence.
     *
     * @throws IllegalArgumentException if {@code frames < 0} or the arrays are too few or too short
     *                                  (a caller bug; nothing in shared memory can cause it)
     */
    public int read(float[][] planar, int frames) {
        checkArguments(planar, frames);
        if (frames == 0) {
            return 0;
        }
        if (!gate.enter()) {
            silence(planar, 0, frames);
            underruns++;
            underrunFrames += frames;
            return 0;
        }
        try {
            return readInside(planar, frames);
        } finally {
            gate.leave();
        }
    }

    private int readInside(float[][] planar, int frames) {
        int n = Math.min(frames, availableInside());
        // after the acquire of write_pos: stamps at least as new as the frames read (section 6)
        lastClock = (int) CLOCK_VH.getOpaque(region, ctl);
        lastTime = pos + (long) TIME_BASE_VH.getOpaque(region, ctl);
        if (n > 0) {
            long p = pos;
            int done = 0;
            while (done < n) {
                int idx = (int) p & mask;
                int run = Math.min(Math.min(n - done, capacity - idx), chunkFrames);
                long off = data + idx * frameBytes;
                if (channels == 1) {
                    MemorySegment.copy(region, SAMPLE, off, planar[0], done, run);
                } else {
                    MemorySegment.copy(region, SAMPLE, off, scratch, 0, run * channels);
                    deinterleave(planar, done, run);
                }
                done += run;
                p += run;
            }
            pos = p;
            // release: our reads of the frames complete before the producer may reuse the slots
            READ_POS_VH.setRelease(region, ctl, p);
            // the trust boundary: no NaN, infinity or absurd value goes past this reader
            guard.clean(planar, channels, 0, n);
        }
        if (n < frames) {
            silence(planar, n, frames);
            underruns++;
            underrunFrames += frames - n;
            UNDERRUNS_VH.setOpaque(region, ctl, underruns);
            UNDERRUN_FRAMES_VH.setOpaque(region, ctl, underrunFrames);
        }
        return n;
    }

    private void silence(float[][] planar, int from, int to) {
        for (int c = 0; c < channels; c++) {
            Arrays.fill(planar[c], from, to, 0.0f);
        }
    }

    private void deinterleave(float[][] planar, int at, int run) {
        final float[] s = scratch;
        final int ch = channels;
        for (int c = 0; c < ch; c++) {
            float[] d = planar[c];
            for (int f = 0, i = c; f < run; f++, i += ch) {
                d[at + f] = s[i];
            }
        }
    }

    /**
     * Device time of the first frame of the last {@link #read}, in {@link #lastClock()} (untrusted:
     * only carried over, never used to index anything).
     */
    public long lastTime() {
        return lastTime;
    }

    /** The clock the device side stamps in (abi.h section 6), as of the last {@link #read}. */
    public int lastClock() {
        return lastClock;
    }

    /**
     * What this reader replaced by silence: samples from the device side that were NaN, infinite or
     * beyond {@link SampleGuard#MAX_ABS} (2^24) (the "to host" direction's counts). Thread: any.
     */
    public SampleGuard guard() {
        return guard;
    }

    /** Short reads so far (events). */
    public long underruns() {
        return underruns;
    }

    /** Frames of silence delivered because the ring was empty. */
    public long underrunFrames() {
        return underrunFrames;
    }

    /** The device side's count of full-ring events (informational: shared memory, untrusted). */
    public long deviceOverruns() {
        return peerCounter(OVERRUNS_VH);
    }

    /** Frames the device side dropped on a full ring (informational, untrusted). */
    public long deviceOverrunFrames() {
        return peerCounter(OVERRUN_FRAMES_VH);
    }

    /** The device side's count of implausible read_pos values it saw (informational, untrusted). */
    public long deviceFaults() {
        return peerCounter(PRODUCER_FAULTS_VH);
    }
}
