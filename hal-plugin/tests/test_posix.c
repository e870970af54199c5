/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POSIX layer: paths, directory and file checks, mapping, and the service
 * loop end to end against real regions (sealed memfds published by link,
 * host restart by a new link renamed over the old). */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* memfd_create, F_ADD_SEALS */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"
#include "vocana/region_posix.h"

#define MS UINT64_C(1000000)

static char *make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/vocana-test-XXXXXX", t && t[0] == '/' ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d)
        return NULL;
    return strdup(d);
}

static void rm_rf(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    (could not remove %s)\n", dir);
}

typedef struct hostfile {
    void *base;
    size_t size;
    int fd;
    struct vocana_region_header *h;
} hostfile;

/* Host side (abi.h section 4): a sealed memfd, formatted, published as <dir>/<id>.vreg. */
static hostfile host_create(const char *dir, const char *id, uint64_t gen, mode_t mode)
{
    hostfile hf = {.fd = -1};
    vocana_mapping m;
    size_t size = (size_t)vocana_region_size(256, 2);
    CHECK_RC(vocana_region_create_sealed(id, size, &hf.fd, &m), VOCANA_OK);
    if (hf.fd < 0)
        return hf;
    hf.base = m.base;
    hf.size = m.size;
    vocana_region_params p = {.device_id = id, .name = "Mic", .generation = gen,
                              .sample_rate = 48000, .channels = 2, .capacity_frames = 256};
    CHECK_RC(vocana_region_format(hf.base, hf.size, &p), VOCANA_OK);
    CHECK(fchmod(hf.fd, mode) == 0);
    CHECK_RC(vocana_region_publish(dir, id, hf.fd), VOCANA_OK);
    hf.h = hf.base;
    return hf;
}

static void host_close(hostfile *hf)
{
    if (hf->base)
        munmap(hf->base, hf->size);
    if (hf->fd >= 0)
        close(hf->fd);
    hf->base = NULL;
    hf->fd = -1;
}

/* A memfd of `size` bytes with the given seals (0: none), published under <dir>/<id>.vreg. */
static int publish_memfd(const char *dir, const char *id, off_t size, int seals)
{
    int fd = memfd_create("vocana.test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    CHECK(fd >= 0);
    CHECK(fchmod(fd, 0600) == 0 && ftruncate(fd, size) == 0);
    if (seals)
        CHECK(fcntl(fd, F_ADD_SEALS, seals) == 0);
    CHECK_RC(vocana_region_publish(dir, id, fd), VOCANA_OK);
    return fd;
}

static void test_region_dir_and_path(void)
{
    char b[64];
    CHECK_RC(vocana_region_dir(b, sizeof b, "/run/user/1000", 1000), VOCANA_OK);
    CHECK(strcmp(b, "/run/user/1000/vocana") == 0);
    CHECK_RC(vocana_region_dir(b, sizeof b, NULL, 1000), VOCANA_OK);
    CHECK(strcmp(b, "/tmp/vocana-1000") == 0);
    CHECK_RC(vocana_region_dir(b, sizeof b, "", 7), VOCANA_OK);
    CHECK(strcmp(b, "/tmp/vocana-7") == 0);
    CHECK_RC(vocana_region_dir(b, sizeof b, "relative/dir", 7), VOCANA_OK);
    CHECK(strcmp(b, "/tmp/vocana-7") == 0);
    CHECK_RC(vocana_region_dir(b, 10, "/run/user/1000", 1000), VOCANA_E_PATH_TOO_LONG);
    CHECK_EQ(b[0], 0);
    CHECK_RC(vocana_region_dir(NULL, 10, "/x", 1), VOCANA_E_ARG);
    CHECK_RC(vocana_region_path(b, sizeof b, "/run/user/1000/vocana", "mic0"), VOCANA_OK);
    CHECK(strcmp(b, "/run/user/1000/vocana/mic0.vreg") == 0);
    CHECK_RC(vocana_region_path(b, sizeof b, "/d", "../etc"), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_region_path(b, sizeof b, "/d", "a/b"), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_region_path(b, 8, "/d", "mic0"), VOCANA_E_PATH_TOO_LONG);
    CHECK_RC(vocana_region_path(b, sizeof b, NULL, "mic0"), VOCANA_E_ARG);
}

static void test_region_dir_check(void)
{
    char *d = make_tmpdir();
    CHECK(d != NULL);
    if (!d)
        return;
    uid_t me = getuid();
    char p[600];
    CHECK(chmod(d, 0700) == 0);
    CHECK_RC(vocana_region_dir_check(d, me), VOCANA_OK);
    CHECK_RC(vocana_region_dir_check(d, me + 1), VOCANA_E_DIR_OWNER);
    CHECK(chmod(d, 0750) == 0);
    CHECK_RC(vocana_region_dir_check(d, me), VOCANA_E_DIR_MODE);
    CHECK(chmod(d, 0500) == 0);
    CHECK_RC(vocana_region_dir_check(d, me), VOCANA_E_DIR_MODE);
    CHECK(chmod(d, 01700) == 0);
    CHECK_RC(vocana_region_dir_check(d, me), VOCANA_E_DIR_MODE);
    CHECK(chmod(d, 0700) == 0);
    snprintf(p, sizeof p, "%s/missing", d);
    CHECK_RC(vocana_region_dir_check(p, me), VOCANA_E_DIR_MISSING);
    snprintf(p, sizeof p, "%s/file", d);
    int fd = open(p, O_CREAT | O_WRONLY, 0600);
    close(fd);
    CHECK_RC(vocana_region_dir_check(p, me), VOCANA_E_DIR_NOT_DIR);
    snprintf(p, sizeof p, "%s/link", d);
    CHECK(symlink(d, p) == 0);
    CHECK_RC(vocana_region_dir_check(p, me), VOCANA_E_DIR_NOT_DIR);
    CHECK_RC(vocana_region_dir_check(NULL, me), VOCANA_E_ARG);
    rm_rf(d);
    free(d);
}

static void test_region_map_checks(void)
{
    char *d = make_tmpdir();
    CHECK(d != NULL);
    if (!d)
        return;
    uid_t me = getuid();
    char p[600], q[600];
    vocana_mapping m;
    hostfile hf = host_create(d, "mic0", 1, 0600);
    CHECK_RC(vocana_region_path(p, sizeof p, d, "mic0"), VOCANA_OK);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_OK);
    CHECK(m.base != NULL);
    CHECK_EQ(m.size, hf.size);
    CHECK_EQ((uintptr_t)m.base % VOCANA_REGION_ALIGN, 0);
    vocana_region_info info;
    CHECK_RC(vocana_region_validate(m.base, m.size, NULL, &info), VOCANA_OK);
    vocana_region_unmap(&m);
    CHECK(m.base == NULL);
    vocana_region_unmap(&m); /* no-op */
    CHECK_RC(vocana_region_map(p, me + 1, &m), VOCANA_E_FILE_OWNER);
    CHECK(chmod(p, 0400) == 0); /* narrower than 0600 is fine for the mode check */
    CHECK_RC(vocana_region_map(p, me, &m), me == 0 ? VOCANA_OK : VOCANA_E_OPEN);
    vocana_region_unmap(&m);
    CHECK(chmod(p, 0640) == 0);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_E_FILE_MODE);
    CHECK(chmod(p, 0606) == 0);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_E_FILE_MODE);
    CHECK(chmod(p, 04600) == 0);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_E_FILE_MODE);
    CHECK(chmod(p, 0600) == 0);
    /* nobody can shrink it under a mapping (the SIGBUS a device side must never take) */
    CHECK(truncate(p, 0) != 0 && errno == EPERM);
    CHECK(ftruncate(hf.fd, (off_t)hf.size / 2) != 0 && errno == EPERM);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_OK);
    CHECK_EQ(m.size, hf.size);
    vocana_region_unmap(&m);
    /* a link to a link to a region: only "/proc/<pid>/fd/<n>" is followed */
    snprintf(q, sizeof q, "%s/link.vreg", d);
    CHECK(symlink(p, q) == 0);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_FILE_TYPE);
    snprintf(q, sizeof q, "%s/missing.vreg", d);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_OPEN);
    CHECK_EQ(m.sys_errno, ENOENT);
    snprintf(q, sizeof q, "%s/fifo", d);
    CHECK(mkfifo(q, 0600) == 0);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_FILE_TYPE);
    /* a regular file holding a valid region (what hosts before the sealed transport wrote) */
    snprintf(q, sizeof q, "%s/plain.vreg", d);
    int fd = open(q, O_CREAT | O_RDWR | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, hf.base, hf.size) == (ssize_t)hf.size);
    close(fd);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_UNSEALED);
    /* a link whose host is gone (its pid's descriptor no longer exists) */
    snprintf(q, sizeof q, "%s/dead.vreg", d);
    CHECK(symlink("/proc/999999999/fd/3", q) == 0);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_OPEN);
    CHECK_EQ(m.sys_errno, ENOENT);
    /* memfds that can still shrink, or with a size out of range */
    fd = publish_memfd(d, "unsealed", (off_t)hf.size, 0);
    CHECK_RC(vocana_region_path(q, sizeof q, d, "unsealed"), VOCANA_OK);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_UNSEALED);
    close(fd);
    fd = publish_memfd(d, "growonly", (off_t)hf.size, F_SEAL_GROW | F_SEAL_SEAL);
    CHECK_RC(vocana_region_path(q, sizeof q, d, "growonly"), VOCANA_OK);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_UNSEALED);
    close(fd);
    fd = publish_memfd(d, "small", 100, F_SEAL_SHRINK);
    CHECK_RC(vocana_region_path(q, sizeof q, d, "small"), VOCANA_OK);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_FILE_SIZE);
    close(fd);
    fd = publish_memfd(d, "huge", (off_t)VOCANA_REGION_MAX + 1, F_SEAL_SHRINK); /* sparse */
    CHECK_RC(vocana_region_path(q, sizeof q, d, "huge"), VOCANA_OK);
    CHECK_RC(vocana_region_map(q, me, &m), VOCANA_E_FILE_SIZE);
    close(fd);
    /* the host side's checks */
    CHECK_RC(vocana_region_create_sealed("mic0", 100, &fd, &m), VOCANA_E_FILE_SIZE);
    CHECK_EQ(fd, -1);
    CHECK_RC(vocana_region_create_sealed(".bad", hf.size, &fd, &m), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_region_publish(d, "mic0", -1), VOCANA_E_ARG);
    /* unpublish removes only its own link: a newer host's stays */
    hostfile newer = host_create(d, "mic0", 2, 0600);
    CHECK_RC(vocana_region_unpublish(d, "mic0", hf.fd), VOCANA_E_NOT_FOUND);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_OK);
    CHECK_EQ(atomic_load(&((struct vocana_region_header *)m.base)->generation), 2);
    vocana_region_unmap(&m);
    CHECK_RC(vocana_region_unpublish(d, "mic0", newer.fd), VOCANA_OK);
    CHECK_RC(vocana_region_map(p, me, &m), VOCANA_E_OPEN);
    host_close(&newer);
    CHECK_RC(vocana_region_map(NULL, me, &m), VOCANA_E_ARG);
    host_close(&hf);
    rm_rf(d);
    free(d);
}

static void test_service_end_to_end(void)
{
    char *d = make_tmpdir();
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK(chmod(d, 0700) == 0);
    uid_t me = getuid();
    vocana_device dev;
    vocana_device_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.device_id, "mic0");
    c.channels = 2;
    c.max_io_frames = 64;
    c.heartbeat_timeout_ns = 200 * MS;
    CHECK_RC(vocana_device_init(&dev, &c), VOCANA_OK);
    uint64_t t = 1000 * MS;
    /* no host yet */
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_E_OPEN);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_DETACHED);
    float buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_EQ(vocana_device_read(&dev, buf, 4), 0);
    /* host appears; device attaches at the next retry and goes live on a beat */
    hostfile h1 = host_create(d, "mic0", 11, 0600);
    t += 300 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_PROBING);
    atomic_fetch_add(&h1.h->heartbeat, 1);
    t += 50 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_write(&dev, buf, 4), 4);
    CHECK_EQ(atomic_load(&h1.h->to_host.write_pos), 4);
    CHECK_EQ(atomic_load(&h1.h->device_flags), VOCANA_DEVICE_ATTACHED);
    /* host restarts: orderly shutdown of the old file, new file renamed over it */
    atomic_store(&h1.h->host_flags, VOCANA_HOST_SHUTDOWN);
    hostfile h2 = host_create(d, "mic0", 12, 0600);
    t += 50 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK); /* detach + re-attach */
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_PROBING);
    CHECK_EQ(dev.info.generation, 12);
    CHECK_EQ(atomic_load(&h1.h->device_flags), 0);
    atomic_fetch_add(&h2.h->heartbeat, 1);
    t += 50 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_write(&dev, buf, 4), 4);
    CHECK_EQ(atomic_load(&h2.h->to_host.write_pos), 4);
    CHECK_EQ(atomic_load(&h1.h->to_host.write_pos), 4); /* the old one untouched */
    /* host crashes: heartbeat stops, file stays; the device detaches */
    t += 250 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    CHECK(vocana_device_state(&dev) == VOCANA_DEV_PROBING); /* re-probing the stale file */
    CHECK_EQ(vocana_device_last_error(&dev), VOCANA_E_HEARTBEAT_STALE);
    CHECK_EQ(vocana_device_write(&dev, buf, 4), 0);
    /* a wrong directory mode makes attach refuse */
    t += 250 * MS;
    CHECK(chmod(d, 0755) == 0);
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_E_DIR_MODE);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_DETACHED);
    CHECK(chmod(d, 0700) == 0);
    /* and a wrong file mode too */
    char p[600];
    vocana_region_path(p, sizeof p, d, "mic0");
    CHECK(chmod(p, 0644) == 0);
    t += 300 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_E_FILE_MODE);
    CHECK(chmod(p, 0600) == 0);
    t += 300 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    atomic_fetch_add(&h2.h->heartbeat, 1);
    t += 10 * MS;
    CHECK_RC(vocana_device_service(&dev, d, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_ACTIVE);
    /* final detach and unmap */
    vocana_mapping m = {0};
    CHECK_RC(vocana_device_detach(&dev, &m.base, &m.size), VOCANA_OK);
    vocana_region_unmap(&m);
    CHECK(vocana_monotonic_ns() > 0);
    host_close(&h1);
    host_close(&h2);
    rm_rf(d);
    free(d);
}

/* Host side of the shared-memory transport: the object "/vocana.<id>" made
 * (replacing an older one) and formatted like a region file; `extra` bytes
 * beyond the region, as macOS adds when it rounds an object up to pages. */
static hostfile host_create_shm(const char *id, uint64_t gen, size_t extra)
{
    hostfile hf = {.fd = -1};
    char name[64];
    CHECK_RC(vocana_region_shm_name(name, sizeof name, id), VOCANA_OK);
    shm_unlink(name);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    if (fd < 0)
        return hf;
    size_t region = (size_t)vocana_region_size(256, 2);
    hf.size = region + extra;
    CHECK(ftruncate(fd, (off_t)hf.size) == 0);
    hf.base = mmap(NULL, hf.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(hf.base != MAP_FAILED);
    close(fd);
    vocana_region_params p = {.device_id = id, .name = "Mic", .generation = gen,
                              .sample_rate = 48000, .channels = 2, .capacity_frames = 256};
    CHECK_RC(vocana_region_format(hf.base, region, &p), VOCANA_OK);
    hf.h = hf.base;
    return hf;
}

/* The object maps at its whole size (nothing trimmed); then the host side goes. */
static void check_mapped_whole(hostfile *hf, const char *name, uid_t owner)
{
    vocana_mapping m = {0};
    CHECK_RC(vocana_region_map_shm(name, owner, &m), VOCANA_OK);
    CHECK_EQ(m.size, hf->size);
    vocana_region_unmap(&m);
    host_close(hf);
    shm_unlink(name);
}

static void test_shm_name(void)
{
    char b[64];
    CHECK_RC(vocana_region_shm_name(b, sizeof b, "vocana"), VOCANA_OK);
    CHECK(strcmp(b, "/vocana.vocana") == 0);
    CHECK_RC(vocana_region_shm_name(b, sizeof b, "a2345678901234567890_2"), VOCANA_OK); /* 22: 30 in all */
    CHECK_EQ(strlen(b), VOCANA_SHM_NAME_MAX);
    CHECK_RC(vocana_region_shm_name(b, sizeof b, "a23456789012345678901_3"), VOCANA_E_PATH_TOO_LONG);
    CHECK_EQ(b[0], '\0');
    CHECK_RC(vocana_region_shm_name(b, sizeof b, "../x"), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_region_shm_name(b, sizeof b, ".x"), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_region_shm_name(b, 8, "vocana"), VOCANA_E_PATH_TOO_LONG);
    CHECK_RC(vocana_region_shm_name(NULL, 8, "vocana"), VOCANA_E_ARG);
}

static void test_service_shm_end_to_end(void)
{
    char id[32];
    snprintf(id, sizeof id, "t%ld", (long)getpid());
    char name[64];
    CHECK_RC(vocana_region_shm_name(name, sizeof name, id), VOCANA_OK);
    shm_unlink(name);
    uid_t me = getuid();
    vocana_device dev;
    vocana_device_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.device_id, id);
    c.channels = 2;
    c.max_io_frames = 64;
    c.heartbeat_timeout_ns = 200 * MS;
    CHECK_RC(vocana_device_init(&dev, &c), VOCANA_OK);
    uint64_t t = 1000 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me, t), VOCANA_E_OPEN); /* no host yet */
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_DETACHED);
    CHECK_EQ(vocana_device_host_rate(&dev), 0);
    /* an object of page-rounded size (macOS) is attached at the region's exact size */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t region = (size_t)vocana_region_size(256, 2);
    CHECK(region % page != 0);
    hostfile h1 = host_create_shm(id, 21, page - region % page);
    t += 300 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me + 1, t), VOCANA_E_FILE_OWNER); /* not the configured owner */
    t += 300 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_PROBING);
    CHECK_EQ(vocana_device_host_rate(&dev), 0); /* not live yet: no say in the device's rate */
    atomic_fetch_add(&h1.h->heartbeat, 1);
    t += 50 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_host_rate(&dev), 48000); /* the region's rate, for the driver to follow */
    float buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_EQ(vocana_device_write(&dev, buf, 4), 4);
    CHECK_EQ(atomic_load(&h1.h->to_host.write_pos), 4);
    const float *data = (const float *)((const char *)h1.base + vocana_ring_data_offset(256, 2, VOCANA_RING_TO_HOST));
    CHECK(data[0] == 1.0f && data[7] == 8.0f);
    /* host restarts: withdraws the old object, a new one under the same name */
    atomic_store(&h1.h->host_flags, VOCANA_HOST_SHUTDOWN);
    hostfile h2 = host_create_shm(id, 22, 0);
    t += 50 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me, t), VOCANA_OK);
    CHECK_EQ(dev.info.generation, 22);
    atomic_fetch_add(&h2.h->heartbeat, 1);
    t += 50 * MS;
    CHECK_RC(vocana_device_service_shm(&dev, me, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(&dev), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_write(&dev, buf, 2), 2);
    CHECK_EQ(atomic_load(&h2.h->to_host.write_pos), 2);
    CHECK_EQ(atomic_load(&h1.h->to_host.write_pos), 4);
    vocana_mapping m = {0};
    CHECK_RC(vocana_device_detach(&dev, &m.base, &m.size), VOCANA_OK);
    vocana_region_unmap(&m);
    CHECK_EQ(vocana_device_host_rate(&dev), 0);
    host_close(&h1);
    host_close(&h2);
    shm_unlink(name);
    /* slack that is not page rounding (a Linux object sized oddly) is not trimmed: the attach
     * refuses the size mismatch */
    hostfile h4 = host_create_shm(id, 24, 100);
    check_mapped_whole(&h4, name, me);
    /* an object declaring more than it holds maps whole and is refused by the attach */
    hostfile h3 = host_create_shm(id, 23, 0);
    h3.h->region_size += 64;
    check_mapped_whole(&h3, name, me);
    /* a tiny object is refused before mapping */
    vocana_mapping m3 = {0};
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 100) == 0);
    close(fd);
    CHECK_RC(vocana_region_map_shm(name, me, &m3), VOCANA_E_FILE_SIZE);
    shm_unlink(name);
}

static void test_claim(void)
{
    char *d = make_tmpdir();
    CHECK(d != NULL);
    if (!d)
        return;
    uid_t me = getuid();
    char dir[600], p[700];
    snprintf(dir, sizeof dir, "%s/vocana", d);
    int a = -1, b = -1, c = -1;
    /* the folder is created 0700 when missing */
    CHECK_RC(vocana_claim(dir, "mic", "to-host", me, &a), VOCANA_OK);
    CHECK(a >= 0);
    CHECK_RC(vocana_region_dir_check(dir, me), VOCANA_OK);
    /* one stream per direction: a second claim (another open file, even in
     * this process) is refused; the other direction and another device are free */
    CHECK_RC(vocana_claim(dir, "mic", "to-host", me, &b), VOCANA_E_CLAIMED);
    CHECK_EQ(b, -1);
    CHECK_RC(vocana_claim(dir, "mic", "from-host", me, &b), VOCANA_OK);
    CHECK_RC(vocana_claim(dir, "spk", "to-host", me, &c), VOCANA_OK);
    vocana_unclaim(c);
    /* released on close (and by the kernel when a process dies) */
    vocana_unclaim(a);
    CHECK_RC(vocana_claim(dir, "mic", "to-host", me, &a), VOCANA_OK);
    vocana_unclaim(a);
    vocana_unclaim(b);
    /* refusals */
    CHECK_RC(vocana_claim(dir, "mic", "sideways", me, &a), VOCANA_E_ARG);
    CHECK_RC(vocana_claim(dir, "../x", "to-host", me, &a), VOCANA_E_DEVICE_ID);
    CHECK_RC(vocana_claim(dir, "mic", "to-host", me + 1, &a), VOCANA_E_DIR_OWNER);
    snprintf(p, sizeof p, "%s/evil.to-host.lock", dir);
    CHECK(symlink("/etc/passwd", p) == 0);
    CHECK_RC(vocana_claim(dir, "evil", "to-host", me, &a), VOCANA_E_OPEN);
    CHECK_EQ(a, -1);
    CHECK(strstr(vocana_strerror(VOCANA_E_CLAIMED), "in use by another stream") != NULL);
    rm_rf(d);
    free(d);
}

/* Permission denied on the folder above the region directory is reported as such, not as a
 * missing directory (which suggests "is the host running?").  Root passes every permission
 * check, so as root the checks run in a child that has given up root (uid 65534). */
static void test_region_dir_access(void)
{
    char *d = make_tmpdir();
    CHECK(d != NULL);
    if (!d)
        return;
    char locked[600], region[700];
    snprintf(locked, sizeof locked, "%s/locked", d);
    snprintf(region, sizeof region, "%s/vocana", locked);
    CHECK(mkdir(locked, 0700) == 0);
    CHECK(mkdir(region, 0700) == 0);
    CHECK(chmod(d, 0755) == 0);
    int fd = -1;
    if (geteuid() != 0) {
        CHECK(chmod(locked, 0) == 0);
        CHECK_RC(vocana_region_dir_check(region, getuid()), VOCANA_E_DIR_ACCESS);
        CHECK_RC(vocana_claim(region, "mic", "to-host", getuid(), &fd), VOCANA_E_DIR_ACCESS);
        CHECK(chmod(locked, 0700) == 0);
    } else {
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(10);
            if (vocana_region_dir_check(region, 65534) != VOCANA_E_DIR_ACCESS)
                _exit(11);
            if (vocana_claim(region, "mic", "to-host", 65534, &fd) != VOCANA_E_DIR_ACCESS)
                _exit(12);
            _exit(0);
        }
        int status = 0;
        CHECK(waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
    }
    CHECK(strstr(vocana_strerror(VOCANA_E_DIR_ACCESS), "permission denied") != NULL);
    rm_rf(d);
    free(d);
}

const th_test posix_tests[] = {
    {"posix_region_dir_access", test_region_dir_access},
    {"posix_claim_one_stream_per_direction", test_claim},
    {"posix_region_dir_and_path", test_region_dir_and_path},
    {"posix_region_dir_check", test_region_dir_check},
    {"posix_region_map_checks", test_region_map_checks},
    {"posix_service_end_to_end", test_service_end_to_end},
    {"posix_service_shm_end_to_end", test_service_shm_end_to_end},
    {"posix_shm_name", test_shm_name},
};
const size_t posix_tests_n = sizeof posix_tests / sizeof posix_tests[0];
