/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

/**
 * Why a region was refused. The constants that exist in the C core carry its {@code enum
 * vocana_err} value ({@link #cCode()}), so the host and the device side report the same reason for
 * the same defect; {@code -1} marks reasons only the host has.
 */
public enum RegionError {
    ARG(1, "invalid argument"),
    MISALIGNED(8, "region mapping is not 128-byte aligned"),
    TOO_SMALL(9, "region smaller than its 1024-byte header"),
    NOT_READY(10, "magic is 0: the region was never published or was withdrawn"),
    BAD_MAGIC(11, "magic is not 0x4752414E41434F56 (\"VOCANARG\"): not a Vocana region"),
    VERSION(12, "ABI major version is not 1; accepted: 1.x"),
    HEADER_SIZE(13, "header_size is not 1024"),
    REGION_SIZE(14, "region_size differs from the file size"),
    RATE(15, "sample_rate out of range; accepted: 8000..384000 Hz"),
    CHANNELS(16, "channels out of range; accepted: 1..32"),
    CAPACITY(17, "capacity_frames invalid; accepted: a power of two from 256 to 1048576"),
    LAYOUT(18, "region_size is not 1024 + 2 * capacity_frames * channels * 4"),
    DEVICE_ID(19, "device id invalid; accepted: 1..31 chars of [A-Za-z0-9_.-], not starting with '.'"),
    NAME(20, "name invalid; accepted: at most 63 UTF-8 bytes, no control characters"),
    GENERATION(21, "generation is 0; it must be non-zero"),
    FLAGS(22, "unknown host_flags bits; accepted: RUNNING (1), SHUTDOWN (2)"),
    HOST_STOPPED(23, "host_flags: RUNNING clear or SHUTDOWN set"),
    POSITIONS(24, "ring positions implausible; accepted: 0 <= write_pos - read_pos <= capacity_frames"),
    CHANGED(25, "header changed while being read (another host re-initialising it?)"),
    ID_MISMATCH(26, "device_id differs from the file name"),
    FORMAT_MISMATCH(27, "sample rate or channel count differs from the expected format"),
    PATH_TOO_LONG(33, "region path too long (the device side accepts fewer than 4096 bytes)"),
    DIR_MISSING(34, "region directory missing"),
    DIR_NOT_DIR(35, "region directory is not a directory (symbolic links are refused)"),
    DIR_OWNER(36, "region directory owned by another user"),
    DIR_MODE(37, "region directory mode is not exactly 0700"),
    OPEN(38, "cannot open the region (missing, its host gone, or no permission)"),
    FILE_TYPE(39, "region path is not a regular file (symbolic links are refused)"),
    FILE_OWNER(40, "region file owned by another user"),
    FILE_MODE(41, "region file mode wider than 0600 (or special bits set)"),
    FILE_SIZE(42, "region file size out of range; accepted: 1024 bytes to 256 MiB + 1 KiB"),
    MMAP(43, "cannot map the region file"),
    /** Device side only: another stream holds this direction of the device (ALSA). */
    CLAIMED(44, "this direction of the device is in use by another stream; one writer and one reader per device"),
    /** Permission denied on the region directory or a folder above it (another user's folder). */
    DIR_ACCESS(45, "permission denied on the region directory (or a folder above it); it must be the running user's own folder"),
    /** Device side only: the region's ABI minor is older than the reader's (abi.h section 0). */
    VERSION_OLD(46, "region ABI minor version is older than this device side's 1.1; update the host"),
    /** Device side only (Linux): the region is not a memfd sealed against shrinking (abi.h section 4). */
    UNSEALED(47, "region is not a sealed memfd (a host older than this device side, or a file put there by hand); accepted: a region published by the host, which nobody can shrink under this process"),
    /** Host only: creating, sizing, renaming or removing a file failed. */
    IO(-1, "file I/O failed"),
    /** Host only: the new generation equals the one of the region it replaces. */
    GENERATION_REUSED(-1, "generation equals the replaced region's; every (re)start needs a new one");

    private final int cCode;
    private final String description;

    RegionError(int cCode, String description) {
        this.cCode = cCode;
        this.description = description;
    }

    /** The C core's {@code enum vocana_err} value, or -1 for host-only reasons. */
    public int cCode() {
        return cCode;
    }

    /** What is wrong and what is accepted, one line. */
    public String description() {
        return description;
    }
}
