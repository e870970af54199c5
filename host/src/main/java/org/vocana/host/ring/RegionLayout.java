/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The device region of {@code hal-plugin/include/vocana/abi.h} (ABI 1.1) as FFM layouts:
 * {@link #HEADER} mirrors {@code struct vocana_region_header} field by field (padding included, with
 * the C names) and {@link #RING_CTL} mirrors {@code struct vocana_ring_ctl}. Every offset below is
 * derived from these layouts, never typed in; {@code RegionLayoutTest} compares all of them, and
 * every constant, with what the C compiler prints through {@code hal-plugin/build/layout}.
 *
 * <p>Access rules (abi.h sections 3 and 5): {@code magic} is stored last with release and loaded
 * with acquire; positions are stored with release by their owner and loaded with acquire by the
 * peer; counters have a single writer and need no read-modify-write (opaque stores here). All
 * values use the machine's byte order ({@link ValueLayout#JAVA_LONG} etc. are native-order).
 *
 * <p>The {@code VarHandle}s take {@code (MemorySegment region, long base)}: {@code base} is 0 for
 * header fields and {@link #TO_HOST} or {@link #FROM_HOST} for ring control fields.
 */
public final class RegionLayout {

    // ---- identity ------------------------------------------------------------------------------
    /** The bytes "VOCANARG" read as a native (little-endian) 64-bit word. */
    public static final long MAGIC = 0x4752414E41434F56L;
    public static final int ABI_MAJOR = 1;
    /** The minor this host writes (abi.h section 0); it reads regions of any minor of major 1. */
    public static final int ABI_MINOR = 1;

    // ---- geometry ------------------------------------------------------------------------------
    public static final int LINE = 128;
    public static final int REGION_ALIGN = 128;
    public static final int HEADER_SIZE = 1024;
    public static final int SAMPLE_BYTES = 4;
    public static final int DEVICE_ID_SIZE = 32;
    public static final int NAME_SIZE = 64;

    // ---- accepted ranges -----------------------------------------------------------------------
    public static final int RATE_MIN = 8000;
    public static final int RATE_MAX = 384000;
    public static final int CHANNELS_MIN = 1;
    public static final int CHANNELS_MAX = 32;
    public static final int CAPACITY_MIN = 256;
    public static final int CAPACITY_MAX = 1 << 20;
    public static final int IO_FRAMES_MAX = 16384;
    /** Largest valid region: header plus two rings of CAPACITY_MAX frames of CHANNELS_MAX. */
    public static final long REGION_MAX = HEADER_SIZE + 2L * CAPACITY_MAX * CHANNELS_MAX * SAMPLE_BYTES;

    // ---- capacity derivation -------------------------------------------------------------------
    public static final int CAPACITY_IO_FACTOR = 4;
    public static final int CAPACITY_MARGIN_MS = 500;

    // ---- flags and timing ----------------------------------------------------------------------
    public static final int HOST_RUNNING = 1;
    public static final int HOST_SHUTDOWN = 2;
    public static final int HOST_FLAGS_KNOWN = 3;
    public static final int DEVICE_ATTACHED = 1;
    public static final int HEARTBEAT_PERIOD_MS = 100;
    public static final int HEARTBEAT_TIMEOUT_MS = 1000;
    public static final int RETRY_INTERVAL_MS = 250;
    public static final int RING_TO_HOST = 0;
    public static final int RING_FROM_HOST = 1;
    public static final String REGION_SUFFIX = ".vreg";
    // timing model (abi.h section 6)
    public static final int CLOCK_NONE = 0;
    public static final int CLOCK_MONOTONIC = 1;
    public static final int CLOCK_PRIVATE = 0x80000000;
    public static final int MARGIN_MS = 5;

    // ---- layouts -------------------------------------------------------------------------------
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;

    private static MemoryLayout bytes(long n, String name) {
        return MemoryLayout.sequenceLayout(n, ValueLayout.JAVA_BYTE).withName(name);
    }

    /** {@code struct vocana_ring_ctl}: producer line, consumer line (256 bytes, 128-aligned). */
    public static final StructLayout RING_CTL = MemoryLayout.structLayout(
            U64.withName("write_pos"),
            U64.withName("overruns"),
            U64.withName("overrun_frames"),
            U64.withName("producer_faults"),
            U64.withName("time_base"),
            U32.withName("clock"),
            U32.withName("burst_frames"),
            U32.withName("wake_seq"),
            bytes(LINE - 52, "producer_pad"),
            U64.withName("read_pos"),
            U64.withName("underruns"),
            U64.withName("underrun_frames"),
            U64.withName("consumer_faults"),
            U64.withName("late_frames"),
            U32.withName("read_latency_frames"),
            U32.withName("waiting"),
            bytes(LINE - 48, "consumer_pad"))
            .withByteAlignment(LINE)
            .withName("vocana_ring_ctl");

    /** {@code struct vocana_region_header} (1024 bytes, 128-aligned). */
    public static final StructLayout HEADER = MemoryLayout.structLayout(
            // lines 0-1: identity
            U64.withName("magic"),
            U16.withName("abi_major"),
            U16.withName("abi_minor"),
            U32.withName("header_size"),
            U64.withName("region_size"),
            U64.withName("generation"),
            U32.withName("sample_rate"),
            U32.withName("channels"),
            U32.withName("capacity_frames"),
            U32.withName("reserved0"),
            bytes(DEVICE_ID_SIZE, "device_id"),
            bytes(NAME_SIZE, "name"),
            bytes(2L * LINE - 144, "reserved1"),
            // line 2: host liveness
            U64.withName("heartbeat"),
            U32.withName("host_flags"),
            U32.withName("latency_frames"),
            U32.withName("block_frames"),
            U32.withName("margin_frames"),
            bytes(LINE - 24, "host_pad"),
            // line 3: device side
            U32.withName("device_flags"),
            bytes(LINE - 4, "device_pad"),
            // lines 4-7: rings
            RING_CTL.withName("to_host"),
            RING_CTL.withName("from_host"))
            .withByteAlignment(LINE)
            .withName("vocana_region_header");

    // ---- offsets, derived from the layouts -----------------------------------------------------
    public static final long OFF_MAGIC = HEADER.byteOffset(groupElement("magic"));
    public static final long OFF_ABI_MAJOR = HEADER.byteOffset(groupElement("abi_major"));
    public static final long OFF_ABI_MINOR = HEADER.byteOffset(groupElement("abi_minor"));
    public static final long OFF_HEADER_SIZE = HEADER.byteOffset(groupElement("header_size"));
    public static final long OFF_REGION_SIZE = HEADER.byteOffset(groupElement("region_size"));
    public static final long OFF_GENERATION = HEADER.byteOffset(groupElement("generation"));
    public static final long OFF_SAMPLE_RATE = HEADER.byteOffset(groupElement("sample_rate"));
    public static final long OFF_CHANNELS = HEADER.byteOffset(groupElement("channels"));
    public static final long OFF_CAPACITY = HEADER.byteOffset(groupElement("capacity_frames"));
    public static final long OFF_RESERVED0 = HEADER.byteOffset(groupElement("reserved0"));
    public static final long OFF_DEVICE_ID = HEADER.byteOffset(groupElement("device_id"));
    public static final long OFF_NAME = HEADER.byteOffset(groupElement("name"));
    public static final long OFF_RESERVED1 = HEADER.byteOffset(groupElement("reserved1"));
    public static final long OFF_HEARTBEAT = HEADER.byteOffset(groupElement("heartbeat"));
    public static final long OFF_HOST_FLAGS = HEADER.byteOffset(groupElement("host_flags"));
    public static final long OFF_LATENCY = HEADER.byteOffset(groupElement("latency_frames"));
    public static final long OFF_BLOCK_FRAMES = HEADER.byteOffset(groupElement("block_frames"));
    public static final long OFF_MARGIN_FRAMES = HEADER.byteOffset(groupElement("margin_frames"));
    public static final long OFF_DEVICE_FLAGS = HEADER.byteOffset(groupElement("device_flags"));
    /** Offset of the "to host" ring control block (device produces, host consumes). */
    public static final long TO_HOST = HEADER.byteOffset(groupElement("to_host"));
    /** Offset of the "from host" ring control block (host produces, device consumes). */
    public static final long FROM_HOST = HEADER.byteOffset(groupElement("from_host"));

    public static final long RING_OFF_WRITE_POS = RING_CTL.byteOffset(groupElement("write_pos"));
    public static final long RING_OFF_OVERRUNS = RING_CTL.byteOffset(groupElement("overruns"));
    public static final long RING_OFF_OVERRUN_FRAMES = RING_CTL.byteOffset(groupElement("overrun_frames"));
    public static final long RING_OFF_PRODUCER_FAULTS = RING_CTL.byteOffset(groupElement("producer_faults"));
    public static final long RING_OFF_TIME_BASE = RING_CTL.byteOffset(groupElement("time_base"));
    public static final long RING_OFF_CLOCK = RING_CTL.byteOffset(groupElement("clock"));
    public static final long RING_OFF_BURST_FRAMES = RING_CTL.byteOffset(groupElement("burst_frames"));
    public static final long RING_OFF_WAKE_SEQ = RING_CTL.byteOffset(groupElement("wake_seq"));
    public static final long RING_OFF_READ_POS = RING_CTL.byteOffset(groupElement("read_pos"));
    public static final long RING_OFF_UNDERRUNS = RING_CTL.byteOffset(groupElement("underruns"));
    public static final long RING_OFF_UNDERRUN_FRAMES = RING_CTL.byteOffset(groupElement("underrun_frames"));
    public static final long RING_OFF_CONSUMER_FAULTS = RING_CTL.byteOffset(groupElement("consumer_faults"));
    public static final long RING_OFF_LATE_FRAMES = RING_CTL.byteOffset(groupElement("late_frames"));
    public static final long RING_OFF_READ_LATENCY = RING_CTL.byteOffset(groupElement("read_latency_frames"));
    public static final long RING_OFF_WAITING = RING_CTL.byteOffset(groupElement("waiting"));
    public static final long RING_CTL_SIZE = RING_CTL.byteSize();

    // ---- var handles: coordinates (MemorySegment region, long base) -----------------------------
    public static final VarHandle MAGIC_VH = HEADER.varHandle(groupElement("magic"));
    public static final VarHandle ABI_MAJOR_VH = HEADER.varHandle(groupElement("abi_major"));
    public static final VarHandle ABI_MINOR_VH = HEADER.varHandle(groupElement("abi_minor"));
    public static final VarHandle HEADER_SIZE_VH = HEADER.varHandle(groupElement("header_size"));
    public static final VarHandle REGION_SIZE_VH = HEADER.varHandle(groupElement("region_size"));
    public static final VarHandle GENERATION_VH = HEADER.varHandle(groupElement("generation"));
    public static final VarHandle SAMPLE_RATE_VH = HEADER.varHandle(groupElement("sample_rate"));
    public static final VarHandle CHANNELS_VH = HEADER.varHandle(groupElement("channels"));
    public static final VarHandle CAPACITY_VH = HEADER.varHandle(groupElement("capacity_frames"));
    public static final VarHandle RESERVED0_VH = HEADER.varHandle(groupElement("reserved0"));
    public static final VarHandle HEARTBEAT_VH = HEADER.varHandle(groupElement("heartbeat"));
    public static final VarHandle HOST_FLAGS_VH = HEADER.varHandle(groupElement("host_flags"));
    public static final VarHandle LATENCY_VH = HEADER.varHandle(groupElement("latency_frames"));
    public static final VarHandle BLOCK_FRAMES_VH = HEADER.varHandle(groupElement("block_frames"));
    public static final VarHandle MARGIN_FRAMES_VH = HEADER.varHandle(groupElement("margin_frames"));
    public static final VarHandle DEVICE_FLAGS_VH = HEADER.varHandle(groupElement("device_flags"));

    public static final VarHandle WRITE_POS_VH = RING_CTL.varHandle(groupElement("write_pos"));
    public static final VarHandle OVERRUNS_VH = RING_CTL.varHandle(groupElement("overruns"));
    public static final VarHandle OVERRUN_FRAMES_VH = RING_CTL.varHandle(groupElement("overrun_frames"));
    public static final VarHandle PRODUCER_FAULTS_VH = RING_CTL.varHandle(groupElement("producer_faults"));
    public static final VarHandle TIME_BASE_VH = RING_CTL.varHandle(groupElement("time_base"));
    public static final VarHandle CLOCK_VH = RING_CTL.varHandle(groupElement("clock"));
    public static final VarHandle BURST_FRAMES_VH = RING_CTL.varHandle(groupElement("burst_frames"));
    public static final VarHandle WAKE_SEQ_VH = RING_CTL.varHandle(groupElement("wake_seq"));
    public static final VarHandle READ_POS_VH = RING_CTL.varHandle(groupElement("read_pos"));
    public static final VarHandle UNDERRUNS_VH = RING_CTL.varHandle(groupElement("underruns"));
    public static final VarHandle UNDERRUN_FRAMES_VH = RING_CTL.varHandle(groupElement("underrun_frames"));
    public static final VarHandle CONSUMER_FAULTS_VH = RING_CTL.varHandle(groupElement("consumer_faults"));
    public static final VarHandle LATE_FRAMES_VH = RING_CTL.varHandle(groupElement("late_frames"));
    public static final VarHandle READ_LATENCY_VH = RING_CTL.varHandle(groupElement("read_latency_frames"));
    public static final VarHandle WAITING_VH = RING_CTL.varHandle(groupElement("waiting"));

    /** Sample layout of ring data: native-order float32, 4-byte aligned (rings start on a line). */
    public static final ValueLayout.OfFloat SAMPLE = ValueLayout.JAVA_FLOAT;

    static {
        // the same pins as abi.h's _Static_asserts; a mistake here fails class initialisation
        if (HEADER.byteSize() != HEADER_SIZE || RING_CTL_SIZE != 256 || TO_HOST != 512 || FROM_HOST != 768
                || OFF_HEARTBEAT != 256 || OFF_DEVICE_FLAGS != 384 || RING_OFF_READ_POS != LINE) {
            throw new AssertionError("RegionLayout does not match abi.h");
        }
    }

    private RegionLayout() {
    }

    /**
     * Ring capacity in frames for a device, exactly like {@code vocana_capacity_for}: the next power
     * of two, at least {@link #CAPACITY_MIN}, that holds {@code 4 * maxIoFrames} plus 500 ms of
     * audio (rounded up); 0 if an argument is out of range or the result exceeds CAPACITY_MAX.
     */
    public static int capacityFor(int sampleRate, int maxIoFrames) {
        if (sampleRate < RATE_MIN || sampleRate > RATE_MAX || maxIoFrames < 1 || maxIoFrames > IO_FRAMES_MAX) {
            return 0;
        }
        long need = (long) CAPACITY_IO_FACTOR * maxIoFrames + ((long) sampleRate * CAPACITY_MARGIN_MS + 999) / 1000;
        long cap = CAPACITY_MIN;
        while (cap < need) {
            cap <<= 1;
        }
        return cap > CAPACITY_MAX ? 0 : (int) cap;
    }

    /** Bytes of one ring's data (arguments already validated). */
    public static long ringBytes(int capacityFrames, int channels) {
        return (long) capacityFrames * channels * SAMPLE_BYTES;
    }

    /** Exact size of a region: header plus both rings. */
    public static long regionSize(int capacityFrames, int channels) {
        return HEADER_SIZE + 2 * ringBytes(capacityFrames, channels);
    }

    /** Offset of a ring's data: {@code which} = {@link #RING_TO_HOST} or {@link #RING_FROM_HOST}. */
    public static long ringDataOffset(int capacityFrames, int channels, int which) {
        return HEADER_SIZE + which * ringBytes(capacityFrames, channels);
    }
}
