/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import java.lang.foreign.MemorySegment;

/**
 * What both host endpoints share: the PRIVATE, trusted geometry of one ring (copied when the region
 * was created or validated, never re-read from shared memory), the endpoint's own position (kept
 * privately and only published, never read back), and a scratch buffer for the bulk copy.
 *
 * <p>Why a scratch buffer: one {@code MemorySegment.copy} of a whole interleaved run into a Java
 * array (a memcpy) followed by a (de)interleaving loop over plain arrays measured 1.6x faster than
 * per-sample {@code MemorySegment.get/set} in channel-major order and 8x faster than in frame-major
 * order (128 stereo frames: 57 ns vs 88 ns vs 478 ns; 8 channels: 198 vs 353 vs 1250 ns; JMH on
 * the build machine). Mono copies straight into/out of the caller's array. No call allocates: the
 * copy goes through absolute offsets on the one region segment (no slices), the scratch is
 * preallocated, and counters are primitive fields.
 *
 * <p>Every access to shared memory happens inside the region's {@link Gate}, so closing the region
 * while the audio thread is in a call is safe: the call completes first, and later calls deliver
 * silence (reader) or drop (writer), counted as underruns/overruns, without touching the mapping.
 */
abstract sealed class RingEndpoint permits ToHostReader, FromHostWriter {

    /** Upper bound of the scratch buffer in floats (32 KiB); a longer call is copied in runs. */
    static final int SCRATCH_FLOATS = 8192;

    final MemorySegment region;
    /** Guards the mapping against {@link DeviceRegion#close()} running concurrently. */
    final Gate gate;
    /** Offset of this ring's control block. */
    final long ctl;
    /** Offset of this ring's data. */
    final long data;
    final int capacity;
    final int mask;
    final int channels;
    final long frameBytes;
    final int chunkFrames;
    final float[] scratch;
    /** Own position (read_pos for the consumer, write_pos for the producer): private. */
    long pos;
    long faults;

    RingEndpoint(MemorySegment region, Gate gate, long ctl, long data, int capacity, int channels, long startPos) {
        this.region = region;
        this.gate = gate;
        this.ctl = ctl;
        this.data = data;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.channels = channels;
        this.frameBytes = (long) channels * RegionLayout.SAMPLE_BYTES;
        this.chunkFrames = Math.max(1, Math.min(capacity, SCRATCH_FLOATS / channels));
        this.scratch = new float[chunkFrames * channels];
        this.pos = startPos;
    }

    /** Channels per frame (planar buffers need at least this many arrays). */
    public final int channels() {
        return channels;
    }

    /** Frames the ring holds. */
    public final int capacityFrames() {
        return capacity;
    }

    /** This endpoint's own position (64-bit frame counter; unsigned, wraps harmlessly). */
    public final long position() {
        return pos;
    }

    /** Implausible peer positions seen and resynchronised. */
    public final long faults() {
        return faults;
    }

    /** False once the region is closed: calls then move no data (and touch no shared memory). */
    public final boolean isOpen() {
        return gate.isOpen();
    }

    /** A counter of the peer's line (informational, untrusted); 0 once the region is closed. */
    final long peerCounter(java.lang.invoke.VarHandle counter) {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return (long) counter.getOpaque(region, ctl);
        } finally {
            gate.leave();
        }
    }

    /** Argument checks of read/write: the arrays come from the caller, not from shared memory. */
    final void checkArguments(float[][] planar, int frames) {
        if (frames < 0 || planar == null || planar.length < channels) {
            throw badArguments(planar, frames);
        }
        for (int c = 0; c < channels; c++) {
            float[] a = planar[c];
            if (a == null || a.length < frames) {
                throw badArguments(planar, frames);
            }
        }
    }

    private IllegalArgumentException badArguments(float[][] planar, int frames) {
        return new IllegalArgumentException("need frames >= 0 and " + channels + " channel arrays of at least "
                + frames + " floats; got frames " + frames + ", "
                + (planar == null ? "null" : planar.length + " arrays"));
    }
}
