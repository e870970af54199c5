/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * POSIX side of the device: where regions live, and opening / mapping /
 * unmapping them.  [control] only: these make system calls.
 */
#ifndef VOCANA_REGION_POSIX_H
#define VOCANA_REGION_POSIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vocana/core.h"

typedef struct vocana_mapping {
    void *base;
    size_t size;
    int sys_errno; /* errno of the failing call, 0 if none */
} vocana_mapping;

/* Region directory: "<xdg_runtime_dir>/vocana" if xdg_runtime_dir is an
 * absolute path, else the fallback "/tmp/vocana-<uid>".  Pure; pass
 * getenv("XDG_RUNTIME_DIR") (the core does not read the environment). */
int vocana_region_dir(char *buf, size_t len, const char *xdg_runtime_dir, uid_t uid);

/* "<dir>/<device_id>.vreg"; the id must be valid (no '/', no leading '.'). */
int vocana_region_path(char *buf, size_t len, const char *dir, const char *device_id);

/* The directory must exist, be a directory (not a symbolic link), belong
 * to `owner` and have mode exactly 0700. */
int vocana_region_dir_check(const char *dir, uid_t owner);

/* Open an EXISTING region read-write and map it MAP_SHARED.  On Linux the
 * path must be a symbolic link owned by `owner` whose target is
 * "/proc/<pid>/fd/<n>" (the host's memfd, abi.h section 4), and what it
 * opens must be a regular file owned by `owner`, no permission bits beyond
 * 0600, sealed with F_SEAL_SHRINK (else VOCANA_E_UNSEALED: nobody may ever
 * be able to truncate a mapping of this process, which would SIGBUS it),
 * with a size in [VOCANA_HEADER_SIZE, VOCANA_REGION_MAX].  A regular file
 * under the name is refused with VOCANA_E_UNSEALED.  Elsewhere: a regular
 * file (O_NOFOLLOW), same owner, mode and size rules.  O_NONBLOCK and
 * O_NOCTTY, so nothing planted under the name can hang or take a terminal.
 * The descriptor is closed again; only the mapping remains.  The content
 * is NOT validated here (vocana_device_attach does that). */
int vocana_region_map(const char *path, uid_t owner, vocana_mapping *out);

/* ---- host side of the file transport (Linux; abi.h section 4) ----------
 * The C reference of what the Java host does (the test hosts use it).
 * create_sealed: a memfd "vocana.<device_id>" of exactly `size` bytes,
 *   mode 0600, every page allocated (posix_fallocate), sealed with
 *   F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL and mapped shared (zeros: magic 0,
 *   "not ready").  *fd_out stays open for the region's life: it is what the
 *   published link names.  VOCANA_E_UNSEALED where there is no memfd.
 * publish: makes "<dir>/<device_id>.vreg" a symbolic link to
 *   "/proc/<this pid>/fd/<fd>", atomically (a link under a temporary dot
 *   name renamed over the old entry).  Call it after the region is
 *   formatted and its magic published.
 * unpublish: removes the name only if it still links to this fd (not a
 *   newer host's region); VOCANA_E_NOT_FOUND otherwise. */
int vocana_region_create_sealed(const char *device_id, size_t size, int *fd_out, vocana_mapping *out);
int vocana_region_publish(const char *dir, const char *device_id, int fd);
int vocana_region_unpublish(const char *dir, const char *device_id, int fd);

/* ---- POSIX shared memory (the macOS transport) --------------------------
 * On macOS the HAL driver runs as _coreaudiod in coreaudiod's sandbox: it
 * cannot open files in the user's 0700 folder, but it can open POSIX shared
 * memory objects.  There a region is the object "/vocana.<device_id>",
 * created and formatted by the host exactly like a region file (abi.h
 * section 4) and opened by the device side by name.  Names are at most
 * VOCANA_SHM_NAME_MAX characters (macOS: PSHMNAMLEN 31, and older kernels
 * count the terminating NUL in it), so device ids for this transport are at
 * most 22 characters. */
#define VOCANA_SHM_PREFIX "/vocana."
#define VOCANA_SHM_NAME_MAX 30

/* "/vocana.<device_id>"; VOCANA_E_DEVICE_ID for a malformed id,
 * VOCANA_E_PATH_TOO_LONG beyond VOCANA_SHM_NAME_MAX characters. */
int vocana_region_shm_name(char *buf, size_t len, const char *device_id);

/* Open the EXISTING object `name` read-write, require that it belongs to
 * `owner` and holds at least a header and at most VOCANA_REGION_MAX
 * bytes, and map it MAP_SHARED.  Its mode is the host's business (on macOS
 * it must let _coreaudiod in); the content is validated by the attach.
 * macOS rounds an object's size up to whole pages, so when the size is a
 * whole number of pages out->size is the header's region_size if that lies
 * within the last page (the attach then checks it exactly; munmap of that
 * size still releases every page).  The descriptor is closed again. */
int vocana_region_map_shm(const char *name, uid_t owner, vocana_mapping *out);

/* Unmap (no-op on an empty mapping); clears *m. */
void vocana_region_unmap(vocana_mapping *m);

/* Claims one direction of a device for this open stream: an exclusive
 * flock(2) on "<dir>/<device_id>.<direction>.lock" (created 0600, no
 * symbolic link, owned by `owner`), held until vocana_unclaim.  The kernel
 * drops it when the process dies, so a crash never leaves a device claimed.
 * direction: "to-host" or "from-host".  Creates `dir` (0700) if missing.
 * Returns VOCANA_E_CLAIMED if another stream holds it; *fd_out gets the
 * descriptor (or -1). */
int vocana_claim(const char *dir, const char *device_id, const char *direction, uid_t owner, int *fd_out);
void vocana_unclaim(int fd);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vocana_monotonic_ns(void);

/* One service step for a device: tick the state machine and carry out
 * its action (map + attach, or detach + unmap).  dir: the region
 * directory (checked on every attach attempt); owner: expected owner of
 * directory and file (getuid() for a per-user process).  Returns VOCANA_OK
 * or the error of a failed attach (the device keeps retrying by itself on
 * later calls).  Call it periodically, e.g. every 50 ms, from a control
 * thread. */
int vocana_device_service(vocana_device *dev, const char *dir, uid_t owner, uint64_t now_ns);

/* [IO] After a write to the "to host" ring: wakes the host if it sleeps on the ring (abi.h
 * section 7: FUTEX_WAKE on Linux, os_sync_wake_by_address_any on macOS 14.4+; elsewhere nothing,
 * and the host's bounded wait ends by itself).  One system call, only when the host sleeps; no
 * lock, no allocation. */
void vocana_device_wake_host(vocana_device *dev);

/* The same for the shared-memory transport: attaches to the object
 * vocana_region_shm_name(device id), which must belong to `owner` (the
 * user whose host feeds the device; on macOS from the driver's
 * configuration, since the driver runs as another user). */
int vocana_device_service_shm(vocana_device *dev, uid_t owner, uint64_t now_ns);

#endif /* VOCANA_REGION_POSIX_H */
