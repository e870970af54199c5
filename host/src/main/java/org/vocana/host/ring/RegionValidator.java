/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.vocana.host.ring.RegionLayout.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Validates a mapped region like {@code vocana_region_validate} (hal-plugin/src/core/region.c):
 * the same checks in the same order, so the same defect yields the same {@link RegionError} on both
 * sides. magic and generation are loaded with acquire, every other field is copied once into
 * private variables and only the copies are checked; at the end magic and generation are loaded
 * again and a change is refused as {@link RegionError#CHANGED}. Only the header is read.
 */
public final class RegionValidator {

    private RegionValidator() {
    }

    /**
     * @param region           the whole mapping ({@code byteSize()} is the mapped size)
     * @param expectedDeviceId refuse a region of another device ({@code null}: any)
     * @param sampleRate       refuse another rate (0: any)
     * @param channels         refuse another channel count (0: any)
     */
    public static RegionInfo validate(MemorySegment region, String expectedDeviceId, int sampleRate, int channels)
            throws RegionException {
        return validate(region, expectedDeviceId, sampleRate, channels, null);
    }

    static RegionInfo validate(MemorySegment region, String expectedDeviceId, int expectRate, int expectChannels,
            Runnable between) throws RegionException {
        long size = region.byteSize();
        if (region.address() % REGION_ALIGN != 0) {
            throw fail(RegionError.MISALIGNED, "mapping address 0x" + Long.toHexString(region.address()));
        }
        if (size < HEADER_SIZE) {
            throw fail(RegionError.TOO_SMALL, size + " bytes");
        }
        long magic = (long) MAGIC_VH.getAcquire(region, 0L);
        if (magic == 0) {
            throw fail(RegionError.NOT_READY, null);
        }
        if (magic != MAGIC) {
            throw fail(RegionError.BAD_MAGIC, "0x" + Long.toHexString(magic));
        }
        long generation = (long) GENERATION_VH.getAcquire(region, 0L);

        // the private copy of everything that is going to be trusted
        int abiMajor = Short.toUnsignedInt(region.get(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR));
        int abiMinor = Short.toUnsignedInt(region.get(ValueLayout.JAVA_SHORT, OFF_ABI_MINOR));
        int headerSize = region.get(ValueLayout.JAVA_INT, OFF_HEADER_SIZE);
        long regionSize = region.get(ValueLayout.JAVA_LONG, OFF_REGION_SIZE);
        int rate = region.get(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE);
        int channels = region.get(ValueLayout.JAVA_INT, OFF_CHANNELS);
        int capacity = region.get(ValueLayout.JAVA_INT, OFF_CAPACITY);
        int flags = (int) HOST_FLAGS_VH.getAcquire(region, 0L);
        byte[] id = region.asSlice(OFF_DEVICE_ID, DEVICE_ID_SIZE).toArray(ValueLayout.JAVA_BYTE);
        byte[] name = region.asSlice(OFF_NAME, NAME_SIZE).toArray(ValueLayout.JAVA_BYTE);

        // abi.h section 0: the host reads every minor of its major (it only needs the fields of 1.0)
        if (abiMajor != ABI_MAJOR) {
            throw fail(RegionError.VERSION, abiMajor + "." + abiMinor);
        }
        if (headerSize != HEADER_SIZE) {
            throw fail(RegionError.HEADER_SIZE, Integer.toUnsignedString(headerSize));
        }
        if (regionSize != size) {
            throw fail(RegionError.REGION_SIZE, "region_size " + Long.toUnsignedString(regionSize) + ", file " + size);
        }
        if (Integer.compareUnsigned(rate, RATE_MIN) < 0 || Integer.compareUnsigned(rate, RATE_MAX) > 0) {
            throw fail(RegionError.RATE, Integer.toUnsignedString(rate));
        }
        if (Integer.compareUnsigned(channels, CHANNELS_MIN) < 0 || Integer.compareUnsigned(channels, CHANNELS_MAX) > 0) {
            throw fail(RegionError.CHANNELS, Integer.toUnsignedString(channels));
        }
        if (Integer.bitCount(capacity) != 1 || Integer.compareUnsigned(capacity, CAPACITY_MIN) < 0
                || Integer.compareUnsigned(capacity, CAPACITY_MAX) > 0) {
            throw fail(RegionError.CAPACITY, Integer.toUnsignedString(capacity));
        }
        if (regionSize != regionSize(capacity, channels)) {
            throw fail(RegionError.LAYOUT, "region_size " + regionSize + ", capacity " + capacity + ", channels " + channels);
        }
        int idLen = idFieldLength(id);
        if (idLen < 0) {
            throw fail(RegionError.DEVICE_ID, null);
        }
        int nameLen = nameFieldLength(name);
        if (nameLen < 0) {
            throw fail(RegionError.NAME, null);
        }
        if (generation == 0) {
            throw fail(RegionError.GENERATION, null);
        }
        if ((flags & ~HOST_FLAGS_KNOWN) != 0) {
            throw fail(RegionError.FLAGS, "0x" + Integer.toHexString(flags));
        }
        if ((flags & HOST_RUNNING) == 0 || (flags & HOST_SHUTDOWN) != 0) {
            throw fail(RegionError.HOST_STOPPED, "host_flags " + flags);
        }
        if (!positionsPlausible(region, TO_HOST, capacity)) {
            throw fail(RegionError.POSITIONS, "to_host ring");
        }
        if (!positionsPlausible(region, FROM_HOST, capacity)) {
            throw fail(RegionError.POSITIONS, "from_host ring");
        }
        String deviceId = new String(id, 0, idLen, StandardCharsets.US_ASCII);
        if (expectedDeviceId != null && !expectedDeviceId.equals(deviceId)) {
            throw fail(RegionError.ID_MISMATCH, "device_id '" + deviceId + "', expected '" + expectedDeviceId + "'");
        }
        if ((expectRate != 0 && expectRate != rate) || (expectChannels != 0 && expectChannels != channels)) {
            throw fail(RegionError.FORMAT_MISMATCH, rate + " Hz x " + channels + ", expected "
                    + (expectRate == 0 ? "any" : expectRate + " Hz") + " x " + (expectChannels == 0 ? "any" : expectChannels));
        }
        if (between != null) {
            between.run();
        }
        VarHandle.acquireFence();
        if ((long) MAGIC_VH.getAcquire(region, 0L) != MAGIC || (long) GENERATION_VH.getAcquire(region, 0L) != generation) {
            throw fail(RegionError.CHANGED, null);
        }
        return new RegionInfo(regionSize, generation, ringBytes(capacity, channels), rate, channels, capacity, flags,
                deviceId, new String(name, 0, nameLen, StandardCharsets.UTF_8));
    }

    /**
     * As {@code positions_plausible} in region.c: the ring may be live (the host's own audio thread
     * and the device side move it while the self-check runs), so read_pos, write_pos, read_pos again.
     * A sound ring gives {@code r1 <= w <= r2 + capacity} whatever moves in between (a single read of
     * each made a healthy live ring look implausible, 1 in 200,000 checks); a quiet ring is judged as
     * before.
     */
    private static boolean positionsPlausible(MemorySegment region, long ctl, int capacity) {
        long r1 = (long) READ_POS_VH.getAcquire(region, ctl);
        long w = (long) WRITE_POS_VH.getAcquire(region, ctl);
        long r2 = (long) READ_POS_VH.getAcquire(region, ctl);
        return w - r1 >= 0 && w - r2 <= capacity;
    }

    /** Length of a valid id field (NUL inside, 1..31 id characters, no leading '.'), else -1. */
    static int idFieldLength(byte[] f) {
        int n = 0;
        while (n < f.length && f[n] != 0) {
            byte c = f[n];
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.';
            if (!ok) {
                return -1;
            }
            n++;
        }
        return n >= 1 && n < DEVICE_ID_SIZE && f[0] != '.' ? n : -1;
    }

    /** Length of a valid name field (NUL inside, no ASCII control before it), else -1. */
    static int nameFieldLength(byte[] f) {
        for (int i = 0; i < f.length; i++) {
            int c = f[i] & 0xff;
            if (c == 0) {
                return i;
            }
            if (c < 0x20 || c == 0x7f) {
                return -1;
            }
        }
        return -1;
    }

    private static RegionException fail(RegionError e, String found) {
        return new RegionException(e, e.description() + (found == null ? "" : " (found " + found + ")"));
    }
}
