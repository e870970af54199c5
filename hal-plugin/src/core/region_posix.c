/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POSIX glue: paths, directory checks, open/mmap/munmap.  [control] only. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* flock(2), memfd_create(2), F_ADD_SEALS / F_GET_SEALS */
#endif
#if !defined(__APPLE__) && !defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1 /* flock(2) */
#endif
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#elif defined(__APPLE__)
/* os_sync_wake_by_address_any: macOS 14.4 and later (abi.h section 7).  An SDK older than 14.4
 * lacks the header: declare what the call needs, as the header has it, so that every SDK
 * type-checks the same call. */
#if defined(__has_include)
#if __has_include(<os/os_sync_wait_on_address.h>)
#include <os/os_sync_wait_on_address.h>
#define VOCANA_HAVE_OS_SYNC_HEADER 1
#endif
#endif
#if !defined(VOCANA_HAVE_OS_SYNC_HEADER)
#include <stddef.h>
#include <stdint.h>
#define OS_SYNC_WAKE_BY_ADDRESS_SHARED 0x00000001u
__attribute__((weak_import, availability(macos, introduced = 14.4)))
extern int os_sync_wake_by_address_any(void *addr, size_t size, uint32_t flags);
#endif
#endif

#include "vocana/region_posix.h"

int vocana_region_dir(char *buf, size_t len, const char *xdg_runtime_dir, uid_t uid)
{
    if (!buf || len == 0)
        return VOCANA_E_ARG;
    int n;
    if (xdg_runtime_dir && xdg_runtime_dir[0] == '/')
        n = snprintf(buf, len, "%s/vocana", xdg_runtime_dir);
    else
        n = snprintf(buf, len, "/tmp/vocana-%lu", (unsigned long)uid);
    if (n < 0 || (size_t)n >= len) {
        buf[0] = '\0';
        return VOCANA_E_PATH_TOO_LONG;
    }
    return VOCANA_OK;
}

int vocana_region_path(char *buf, size_t len, const char *dir, const char *device_id)
{
    if (!buf || len == 0 || !dir || !device_id)
        return VOCANA_E_ARG;
    if (!vocana_device_id_valid(device_id))
        return VOCANA_E_DEVICE_ID;
    int n = snprintf(buf, len, "%s/%s%s", dir, device_id, VOCANA_REGION_SUFFIX);
    if (n < 0 || (size_t)n >= len) {
        buf[0] = '\0';
        return VOCANA_E_PATH_TOO_LONG;
    }
    return VOCANA_OK;
}

int vocana_region_dir_check(const char *dir, uid_t owner)
{
    if (!dir)
        return VOCANA_E_ARG;
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == EACCES || errno == EPERM ? VOCANA_E_DIR_ACCESS : VOCANA_E_DIR_MISSING;
    if (!S_ISDIR(st.st_mode))
        return VOCANA_E_DIR_NOT_DIR;
    if (st.st_uid != owner)
        return VOCANA_E_DIR_OWNER;
    if ((st.st_mode & 07777) != 0700)
        return VOCANA_E_DIR_MODE;
    return VOCANA_OK;
}

#if defined(__linux__)
/* True if nobody can ever shrink the file behind fd: a memfd with F_SEAL_SHRINK (abi.h section 4).
 * A seal can never be removed, so what is checked here holds for the whole mapping's life. */
static bool sealed_against_shrinking(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
}

/* "/proc/<digits>/fd/<digits>": the only target a region link may have. */
static bool proc_fd_target(const char *t)
{
    static const char head[] = "/proc/", mid[] = "/fd/";
    if (strncmp(t, head, sizeof head - 1) != 0)
        return false;
    t += sizeof head - 1;
    const char *d = t;
    while (*t >= '0' && *t <= '9')
        t++;
    if (t == d || strncmp(t, mid, sizeof mid - 1) != 0)
        return false;
    t += sizeof mid - 1;
    d = t;
    while (*t >= '0' && *t <= '9')
        t++;
    return t != d && *t == '\0';
}
#endif

/* Checks an open region descriptor (a region file also for type, mode and, on Linux, its seals:
 * `file`), maps it whole (MAP_SHARED) and closes it. */
static int map_fd(int fd, uid_t owner, bool file, vocana_mapping *out)
{
    struct stat st;
    int rc = VOCANA_OK;
    if (fstat(fd, &st) != 0) {
        out->sys_errno = errno;
        rc = VOCANA_E_OPEN;
    } else if (file && !S_ISREG(st.st_mode)) {
        rc = VOCANA_E_FILE_TYPE;
#if defined(__linux__)
    } else if (file && !sealed_against_shrinking(fd)) {
        rc = VOCANA_E_UNSEALED;
#endif
    } else if (st.st_uid != owner) {
        rc = VOCANA_E_FILE_OWNER;
    } else if (file && (st.st_mode & 07777 & ~(mode_t)0600) != 0) {
        rc = VOCANA_E_FILE_MODE;
    } else if (st.st_size < (off_t)VOCANA_HEADER_SIZE || (uint64_t)st.st_size > VOCANA_REGION_MAX) {
        rc = VOCANA_E_FILE_SIZE;
    } else {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            out->sys_errno = errno;
            rc = VOCANA_E_MMAP;
        } else {
            out->base = p;
            out->size = (size_t)st.st_size;
        }
    }
    close(fd);
    return rc;
}

int vocana_region_map(const char *path, uid_t owner, vocana_mapping *out)
{
    if (!path || !out)
        return VOCANA_E_ARG;
    memset(out, 0, sizeof *out);
#if defined(__linux__)
    /* the name is a link to the host's sealed memfd, "/proc/<pid>/fd/<n>" (abi.h section 4);
     * a regular file could be truncated under the mapping (SIGBUS), so it is refused */
    struct stat lst;
    if (lstat(path, &lst) != 0) {
        out->sys_errno = errno;
        return VOCANA_E_OPEN;
    }
    if (S_ISREG(lst.st_mode))
        return VOCANA_E_UNSEALED;
    if (!S_ISLNK(lst.st_mode))
        return VOCANA_E_FILE_TYPE;
    if (lst.st_uid != owner)
        return VOCANA_E_FILE_OWNER;
    char target[64];
    ssize_t n = readlink(path, target, sizeof target);
    if (n < 0) {
        out->sys_errno = errno;
        return VOCANA_E_OPEN;
    }
    if ((size_t)n >= sizeof target)
        return VOCANA_E_FILE_TYPE;
    target[n] = '\0';
    if (!proc_fd_target(target))
        return VOCANA_E_FILE_TYPE;
    /* follows the link; O_NONBLOCK and O_NOCTTY: whatever a reused pid's descriptor is, opening it
     * neither hangs nor takes a terminal; map_fd then requires a sealed regular file */
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
#else
    /* O_NONBLOCK: never hang on a FIFO or device planted under the name */
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
#endif
    if (fd < 0) {
        out->sys_errno = errno;
        return VOCANA_E_OPEN;
    }
    return map_fd(fd, owner, true, out);
}

int vocana_region_create_sealed(const char *device_id, size_t size, int *fd_out, vocana_mapping *out)
{
    if (!device_id || !fd_out || !out)
        return VOCANA_E_ARG;
    *fd_out = -1;
    memset(out, 0, sizeof *out);
    if (!vocana_device_id_valid(device_id))
        return VOCANA_E_DEVICE_ID;
    if (size < VOCANA_HEADER_SIZE || (uint64_t)size > VOCANA_REGION_MAX)
        return VOCANA_E_FILE_SIZE;
#if defined(__linux__)
    char name[48];
    snprintf(name, sizeof name, "vocana.%s", device_id);
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        out->sys_errno = errno;
        return VOCANA_E_OPEN;
    }
    int rc = VOCANA_OK;
    int e;
    if (fchmod(fd, 0600) != 0) {
        out->sys_errno = errno;
        rc = VOCANA_E_FILE_MODE;
    } else if ((e = posix_fallocate(fd, 0, (off_t)size)) != 0) {
        /* every page allocated now: no memory shortage can fault a mapping later */
        out->sys_errno = e;
        rc = VOCANA_E_MMAP;
    } else if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        out->sys_errno = errno;
        rc = VOCANA_E_UNSEALED;
    } else {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            out->sys_errno = errno;
            rc = VOCANA_E_MMAP;
        } else {
            out->base = p;
            out->size = size;
        }
    }
    if (rc != VOCANA_OK) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return VOCANA_OK;
#else
    return VOCANA_E_UNSEALED; /* no memfd: the file transport is Linux's (macOS uses shared memory) */
#endif
}

/* "/proc/<pid>/fd/<fd>" of this process */
static int link_target(char *buf, size_t len, int fd)
{
    int n = snprintf(buf, len, "/proc/%ld/fd/%d", (long)getpid(), fd);
    return n < 0 || (size_t)n >= len ? VOCANA_E_PATH_TOO_LONG : VOCANA_OK;
}

int vocana_region_publish(const char *dir, const char *device_id, int fd)
{
    if (!dir || !device_id || fd < 0)
        return VOCANA_E_ARG;
    char path[4096], tmp[4096 + 64], target[64];
    int rc = vocana_region_path(path, sizeof path, dir, device_id);
    if (rc == VOCANA_OK)
        rc = link_target(target, sizeof target, fd);
    if (rc != VOCANA_OK)
        return rc;
    /* a leading '.': no device id may start with one, so it is never taken for a region */
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.%ld.%d.link", dir, device_id, (long)getpid(), fd);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return VOCANA_E_PATH_TOO_LONG;
    (void)unlink(tmp);
    if (symlink(target, tmp) != 0)
        return errno == EACCES || errno == EPERM ? VOCANA_E_DIR_ACCESS : VOCANA_E_OPEN;
    if (rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return VOCANA_E_OPEN;
    }
    return VOCANA_OK;
}

int vocana_region_unpublish(const char *dir, const char *device_id, int fd)
{
    if (!dir || !device_id || fd < 0)
        return VOCANA_E_ARG;
    char path[4096], target[64], now[64];
    int rc = vocana_region_path(path, sizeof path, dir, device_id);
    if (rc == VOCANA_OK)
        rc = link_target(target, sizeof target, fd);
    if (rc != VOCANA_OK)
        return rc;
    ssize_t n = readlink(path, now, sizeof now);
    if (n < 0 || (size_t)n >= sizeof now)
        return VOCANA_E_NOT_FOUND;
    now[n] = '\0';
    if (strcmp(now, target) != 0)
        return VOCANA_E_NOT_FOUND; /* a newer host's region: not ours to remove */
    return unlink(path) == 0 ? VOCANA_OK : VOCANA_E_OPEN;
}

int vocana_region_shm_name(char *buf, size_t len, const char *device_id)
{
    if (!buf || len == 0 || !device_id)
        return VOCANA_E_ARG;
    buf[0] = '\0';
    if (!vocana_device_id_valid(device_id))
        return VOCANA_E_DEVICE_ID;
    if (strlen(VOCANA_SHM_PREFIX) + strlen(device_id) > VOCANA_SHM_NAME_MAX)
        return VOCANA_E_PATH_TOO_LONG;
    int n = snprintf(buf, len, "%s%s", VOCANA_SHM_PREFIX, device_id);
    if (n < 0 || (size_t)n >= len) {
        buf[0] = '\0';
        return VOCANA_E_PATH_TOO_LONG;
    }
    return VOCANA_OK;
}

int vocana_region_map_shm(const char *name, uid_t owner, vocana_mapping *out)
{
    if (!name || !out)
        return VOCANA_E_ARG;
    memset(out, 0, sizeof *out);
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        out->sys_errno = errno;
        return VOCANA_E_OPEN;
    }
    int rc = map_fd(fd, owner, false, out);
    if (rc != VOCANA_OK)
        return rc;
    /* untrusted until the attach validates it: only bounds-checked here */
    uint64_t declared = ((const struct vocana_region_header *)out->base)->region_size;
    long page = sysconf(_SC_PAGESIZE);
    size_t slack = page > 0 ? (size_t)page : 4096u;
    if (out->size % slack == 0 && declared >= VOCANA_HEADER_SIZE && declared < out->size &&
        out->size - declared < slack)
        out->size = (size_t)declared; /* munmap of it still covers every page */
    return VOCANA_OK;
}

void vocana_region_unmap(vocana_mapping *m)
{
    if (m && m->base)
        munmap(m->base, m->size);
    if (m)
        memset(m, 0, sizeof *m);
}

int vocana_claim(const char *dir, const char *device_id, const char *direction, uid_t owner, int *fd_out)
{
    if (!dir || !device_id || !direction || !fd_out)
        return VOCANA_E_ARG;
    *fd_out = -1;
    if (strcmp(direction, "to-host") != 0 && strcmp(direction, "from-host") != 0)
        return VOCANA_E_ARG;
    if (!vocana_device_id_valid(device_id))
        return VOCANA_E_DEVICE_ID;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return errno == EACCES || errno == EPERM ? VOCANA_E_DIR_ACCESS : VOCANA_E_DIR_MISSING;
    int rc = vocana_region_dir_check(dir, owner);
    if (rc)
        return rc;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s.%s.lock", dir, device_id, direction);
    if (n < 0 || (size_t)n >= sizeof path)
        return VOCANA_E_PATH_TOO_LONG;
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0)
        return VOCANA_E_OPEN;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return VOCANA_E_FILE_TYPE;
    }
    if (st.st_uid != owner) {
        close(fd);
        return VOCANA_E_FILE_OWNER;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return VOCANA_E_CLAIMED;
    }
    *fd_out = fd;
    return VOCANA_OK;
}

void vocana_unclaim(int fd)
{
    if (fd >= 0)
        close(fd); /* closing the only descriptor of the open file releases the lock */
}

uint64_t vocana_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* dir NULL: the shared-memory transport */
static int service_attach(vocana_device *dev, const char *dir, uid_t owner, uint64_t now_ns)
{
    char path[4096];
    vocana_mapping m = {0};
    int rc;
    if (dir) {
        rc = vocana_region_dir_check(dir, owner);
        if (rc == VOCANA_OK)
            rc = vocana_region_path(path, sizeof path, dir, dev->cfg.device_id);
        if (rc == VOCANA_OK)
            rc = vocana_region_map(path, owner, &m);
    } else {
        rc = vocana_region_shm_name(path, sizeof path, dev->cfg.device_id);
        if (rc == VOCANA_OK)
            rc = vocana_region_map_shm(path, owner, &m);
    }
    if (rc == VOCANA_OK) {
        rc = vocana_device_attach(dev, m.base, m.size, now_ns);
        if (rc != VOCANA_OK)
            vocana_region_unmap(&m);
    }
    if (rc != VOCANA_OK)
        dev->last_error = rc;
    return rc;
}

static int service_detach(vocana_device *dev)
{
    /* IO threads stay inside for one IO callback at most; wait up to
     * ~100 ms here, else leave it to the next service call. */
    for (int i = 0; i < 1000; i++) {
        vocana_mapping m = {0};
        int rc = vocana_device_detach(dev, &m.base, &m.size);
        if (rc == VOCANA_OK) {
            vocana_region_unmap(&m);
            return VOCANA_OK;
        }
        if (rc != VOCANA_E_BUSY)
            return rc;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    return VOCANA_E_BUSY;
}

static int service(vocana_device *dev, const char *dir, uid_t owner, uint64_t now_ns)
{
    switch (vocana_device_tick(dev, now_ns)) {
    case VOCANA_ACT_ATTACH:
        return service_attach(dev, dir, owner, now_ns);
    case VOCANA_ACT_DETACH: {
        int rc = service_detach(dev);
        if (rc != VOCANA_OK)
            return rc;
        /* a restarted host may already be there: try at once */
        if (vocana_device_tick(dev, now_ns) == VOCANA_ACT_ATTACH)
            return service_attach(dev, dir, owner, now_ns);
        return VOCANA_OK;
    }
    case VOCANA_ACT_NONE:
    default:
        return VOCANA_OK;
    }
}

void vocana_device_wake_host(vocana_device *dev)
{
    _Atomic uint32_t *w = dev->wake_word;
    if (!w)
        return;
    dev->wake_word = NULL;
#if defined(__linux__)
    /* a shared mapping: no FUTEX_PRIVATE_FLAG, the host waits on the same page.  The region may
     * have been detached since the write: the kernel then finds nothing mapped there (EFAULT) or
     * wakes nobody; it never touches our memory */
    (void)syscall(SYS_futex, (uint32_t *)(uintptr_t)w, FUTEX_WAKE, 1, NULL, NULL, 0);
#elif defined(__APPLE__)
    /* The same on macOS 14.4+: the host waits with os_sync_wait_on_address and the shared flag
     * (another process maps the word).  Older systems have no such call: nothing, and the host's
     * bounded wait ends by itself.  The symbol is weakly imported (its availability is newer than
     * the deployment target), so dyld sets it to NULL at load on an older system: testing the
     * address costs no call, unlike __builtin_available, whose first use resolves a symbol and
     * takes a lock, which the IO path must not. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunguarded-availability"
#pragma clang diagnostic ignored "-Wunguarded-availability-new"
#endif
    if (os_sync_wake_by_address_any != NULL)
        (void)os_sync_wake_by_address_any((void *)(uintptr_t)w, sizeof *w, OS_SYNC_WAKE_BY_ADDRESS_SHARED);
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
#else
    (void)w;
#endif
}

int vocana_device_service(vocana_device *dev, const char *dir, uid_t owner, uint64_t now_ns)
{
    if (!dev || !dir)
        return VOCANA_E_ARG;
    return service(dev, dir, owner, now_ns);
}

int vocana_device_service_shm(vocana_device *dev, uid_t owner, uint64_t now_ns)
{
    if (!dev)
        return VOCANA_E_ARG;
    return service(dev, NULL, owner, now_ns);
}
