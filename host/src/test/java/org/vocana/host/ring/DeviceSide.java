/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.vocana.host.ring.RegionLayout.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Test-only stand-in for the device side (what the HAL/ALSA plugin and the simulator do through
 * the C core), written against {@link RegionLayout} only: it maps the region file itself (a second
 * mapping of the same file, as another process would), validates it, produces the "to host" ring
 * and consumes the "from host" ring with the semantics of hal-plugin/src/core/ring.c, on
 * interleaved buffers. Allocation-free per call, like the real thing.
 */
public final class DeviceSide implements AutoCloseable {

    private final Arena arena;
    private final MemorySegment region;
    private final RegionInfo info;
    private final int capacity;
    private final int mask;
    private final int channels;
    private final long toHostData;
    private final long fromHostData;
    private long writePos; // own position in "to host"
    private long readPos; // own position in "from host"
    public long overruns;
    public long overrunFrames;
    public long producerFaults;
    public long underruns;
    public long underrunFrames;
    public long consumerFaults;

    private DeviceSide(Arena arena, MemorySegment region, RegionInfo info) {
        this.arena = arena;
        this.region = region;
        this.info = info;
        this.capacity = info.capacityFrames();
        this.mask = capacity - 1;
        this.channels = info.channels();
        this.toHostData = ringDataOffset(capacity, channels, RING_TO_HOST);
        this.fromHostData = ringDataOffset(capacity, channels, RING_FROM_HOST);
        this.writePos = (long) WRITE_POS_VH.getAcquire(region, TO_HOST);
        this.readPos = (long) READ_POS_VH.getAcquire(region, FROM_HOST);
    }

    /**
     * Maps and validates the region like a device process would: open(2) through its name, mmap.
     * The mapping is a native segment, as the host's own is, so that the JVM running a test sees
     * one kind of segment on the ring code, as the host's JVM does (a FileChannel mapping here made
     * the shared access code bimorphic, and its deoptimisations allocated on the audio thread).
     */
    public static DeviceSide attach(Path file) throws IOException {
        int fd = SharedMemory.openPath(file);
        if (fd < 0) {
            throw new IOException("cannot open " + file);
        }
        Arena arena = Arena.ofShared();
        try {
            long size = SharedMemory.stat(fd, file.toString()).size();
            MemorySegment m = SharedMemory.map(fd, size, arena, file.toString());
            RegionInfo info = RegionValidator.validate(m, null, 0, 0);
            return new DeviceSide(arena, m, info);
        } catch (RegionException | RuntimeException e) {
            arena.close();
            throw new IOException(e.getMessage(), e);
        } finally {
            SharedMemory.close(fd);
        }
    }

    public RegionInfo info() {
        return info;
    }

    /** The device's own mapping (tests poke hostile values through it). */
    public MemorySegment segment() {
        return region;
    }

    public long writePosition() {
        return writePos;
    }

    public long readPosition() {
        return readPos;
    }

    /** Producer of "to host": writes what fits, drops the newest, counts overruns; like ring.c. */
    public int write(float[] interleaved, int frames) {
        if (frames == 0) {
            return 0;
        }
        int n = Math.min(frames, space());
        if (n > 0) {
            int idx = (int) writePos & mask;
            int first = Math.min(n, capacity - idx);
            MemorySegment.copy(interleaved, 0, region, SAMPLE, toHostData + (long) idx * channels * 4, first * channels);
            if (n > first) {
                MemorySegment.copy(interleaved, first * channels, region, SAMPLE, toHostData, (n - first) * channels);
            }
            writePos += n;
            WRITE_POS_VH.setRelease(region, TO_HOST, writePos);
        }
        if (n < frames) {
            overruns++;
            overrunFrames += frames - n;
            OVERRUNS_VH.setOpaque(region, TO_HOST, overruns);
            OVERRUN_FRAMES_VH.setOpaque(region, TO_HOST, overrunFrames);
        }
        return n;
    }

    public int space() {
        long rd = (long) READ_POS_VH.getAcquire(region, TO_HOST);
        long used = writePos - rd;
        if (Long.compareUnsigned(used, capacity) > 0) {
            producerFaults++;
            PRODUCER_FAULTS_VH.setOpaque(region, TO_HOST, producerFaults);
            writePos = rd;
            WRITE_POS_VH.setRelease(region, TO_HOST, rd);
            return capacity;
        }
        return capacity - (int) used;
    }

    /** Consumer of "from host": always fills frames * channels floats; like ring.c. */
    public int read(float[] interleaved, int frames) {
        if (frames == 0) {
            return 0;
        }
        int n = Math.min(frames, available());
        if (n > 0) {
            int idx = (int) readPos & mask;
            int first = Math.min(n, capacity - idx);
            MemorySegment.copy(region, SAMPLE, fromHostData + (long) idx * channels * 4, interleaved, 0, first * channels);
            if (n > first) {
                MemorySegment.copy(region, SAMPLE, fromHostData, interleaved, first * channels, (n - first) * channels);
            }
            readPos += n;
            READ_POS_VH.setRelease(region, FROM_HOST, readPos);
        }
        if (n < frames) {
            Arrays.fill(interleaved, n * channels, frames * channels, 0.0f);
            underruns++;
            underrunFrames += frames - n;
            UNDERRUNS_VH.setOpaque(region, FROM_HOST, underruns);
            UNDERRUN_FRAMES_VH.setOpaque(region, FROM_HOST, underrunFrames);
        }
        return n;
    }

    public int available() {
        long wr = (long) WRITE_POS_VH.getAcquire(region, FROM_HOST);
        long avail = wr - readPos;
        if (Long.compareUnsigned(avail, capacity) > 0) {
            consumerFaults++;
            CONSUMER_FAULTS_VH.setOpaque(region, FROM_HOST, consumerFaults);
            readPos = wr;
            READ_POS_VH.setRelease(region, FROM_HOST, wr);
            return 0;
        }
        return (int) avail;
    }

    public long hostFlags() {
        return (int) HOST_FLAGS_VH.getAcquire(region, 0L);
    }

    public long heartbeat() {
        return (long) HEARTBEAT_VH.getAcquire(region, 0L);
    }

    public long generation() {
        return (long) GENERATION_VH.getAcquire(region, 0L);
    }

    public long magic() {
        return (long) MAGIC_VH.getAcquire(region, 0L);
    }

    @Override
    public void close() {
        arena.close();
    }
}
