/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error messages: a switch over string literals, so there is no table of
 * pointers (which would be writable relocated data in a shared object). */
#include "vocana/core.h"

const char *vocana_strerror(int err)
{
    switch (err) {
    case VOCANA_OK:
        return "success";
    case VOCANA_E_ARG:
        return "invalid argument: a required pointer is NULL or a parameter is out of range";
    case VOCANA_E_STATE:
        return "operation not valid in the device's current state (attach needs DETACHED, "
               "remove needs DETACHED, detach needs an attached device)";
    case VOCANA_E_BUSY:
        return "an IO thread is still inside the device; call detach again shortly";
    case VOCANA_E_FULL:
        return "registry full: at most 16 devices (VOCANA_REGISTRY_MAX)";
    case VOCANA_E_EXISTS:
        return "a device with this id is already registered; ids must be unique";
    case VOCANA_E_NOT_FOUND:
        return "no registered device has this id";
    case VOCANA_E_IO_FRAMES:
        return "max IO frames out of range; accepted: 1..16384";
    case VOCANA_E_MISALIGNED:
        return "region mapping is not 128-byte aligned; map it with mmap (page aligned)";
    case VOCANA_E_TOO_SMALL:
        return "region smaller than its 1024-byte header; the file is truncated or not a region";
    case VOCANA_E_NOT_READY:
        return "region magic is 0: the host has not published it yet (or withdrew it); retry later";
    case VOCANA_E_BAD_MAGIC:
        return "region magic is wrong; expected 0x4752414E41434F56 (\"VOCANARG\"): not a Vocana region";
    case VOCANA_E_VERSION:
        return "region ABI major version differs; this device side accepts ABI 1.x only";
    case VOCANA_E_HEADER_SIZE:
        return "region header_size field is not 1024, the only size of ABI 1.x";
    case VOCANA_E_REGION_SIZE:
        return "region_size field differs from the mapped file size; they must be equal";
    case VOCANA_E_RATE:
        return "sample rate out of range; accepted: 8000..384000 Hz";
    case VOCANA_E_CHANNELS:
        return "channel count out of range; accepted: 1..32";
    case VOCANA_E_CAPACITY:
        return "ring capacity invalid; accepted: a power of two from 256 to 1048576 frames";
    case VOCANA_E_LAYOUT:
        return "region_size is not 1024 + 2 * capacity * channels * 4 bytes";
    case VOCANA_E_DEVICE_ID:
        return "device id invalid; accepted: 1..31 chars of [A-Za-z0-9_.-], NUL-terminated, not starting with '.'";
    case VOCANA_E_NAME:
        return "device name invalid; accepted: at most 63 bytes, NUL-terminated, no control characters";
    case VOCANA_E_GENERATION:
        return "region generation is 0; the host must set a non-zero generation";
    case VOCANA_E_FLAGS:
        return "unknown host flag bits set; accepted: RUNNING (1) and SHUTDOWN (2)";
    case VOCANA_E_HOST_STOPPED:
        return "host is not running (RUNNING flag clear or SHUTDOWN set); waiting for a new region";
    case VOCANA_E_POSITIONS:
        return "ring positions implausible; accepted: 0 <= write_pos - read_pos <= capacity for both rings";
    case VOCANA_E_CHANGED:
        return "region header changed while being read (host re-initialising); retry";
    case VOCANA_E_ID_MISMATCH:
        return "region belongs to another device id; the file name and the device_id field must agree";
    case VOCANA_E_FORMAT_MISMATCH:
        return "region sample rate or channel count differs from the device's configured format";
    case VOCANA_E_CAPACITY_TOO_SMALL:
        return "ring capacity below twice the device's largest IO buffer; use vocana_capacity_for()";
    case VOCANA_E_HOST_GONE:
        return "host withdrew the region (magic cleared); playing silence until it returns";
    case VOCANA_E_GENERATION_CHANGED:
        return "host restarted (generation changed); re-attaching to the new region";
    case VOCANA_E_HEARTBEAT_STALE:
        return "host heartbeat did not move within the timeout; host considered gone";
    case VOCANA_E_DETACHED:
        return "detached on request";
    case VOCANA_E_PATH_TOO_LONG:
        return "region path too long for the buffer (or runtime directory path too long)";
    case VOCANA_E_DIR_MISSING:
        return "region directory does not exist (the host creates it; is the host running?)";
    case VOCANA_E_DIR_NOT_DIR:
        return "region directory path is not a directory (symbolic links are refused)";
    case VOCANA_E_DIR_OWNER:
        return "region directory is owned by another user; it must belong to the expected user";
    case VOCANA_E_DIR_MODE:
        return "region directory permissions are not exactly 0700";
    case VOCANA_E_OPEN:
        return "cannot open the region (missing, its host gone, or no permission)";
    case VOCANA_E_FILE_TYPE:
        return "region path is not a regular file";
    case VOCANA_E_FILE_OWNER:
        return "region file is owned by another user; it must belong to the expected user";
    case VOCANA_E_FILE_MODE:
        return "region file permissions are wider than 0600 (or special bits set)";
    case VOCANA_E_FILE_SIZE:
        return "region file size out of range; accepted: 1024 bytes to 256 MiB + 1 KiB";
    case VOCANA_E_MMAP:
        return "cannot map the region file";
    case VOCANA_E_DIR_ACCESS:
        return "permission denied on the region directory (or a folder above it); it must be the running user's own folder";
    case VOCANA_E_CLAIMED:
        return "this direction of the device is in use by another stream; one writer and one reader per device";
    case VOCANA_E_VERSION_OLD:
        return "region ABI minor version is older than this device side's 1.1; update the host";
    case VOCANA_E_UNSEALED:
        return "region is not a sealed memfd (a host older than this device side, or a file put there by hand); "
               "accepted: a region published by the host, which nobody can shrink under this process";
    default:
        return "unknown Vocana error code";
    }
}
