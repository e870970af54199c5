/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake-host: a minimal stand-in for the Java host, for the simulator's
 * tests.  It creates a region the way abi.h section 4 prescribes (a sealed
 * memfd, vocana_region_format, a link renamed onto the name), bumps the
 * heartbeat, and copies
 * the "to host" ring into the "from host" ring (pass-through).
 *
 *   fake-host --dir DIR --device ID [--rate HZ] [--channels N] [--max-io N]
 *             [--seconds S] [--hold-us U] [--heartbeat-ms M]
 *             [--restart-at S:rename|S:inplace]...
 *
 * --max-io       the device's largest IO buffer; capacity = vocana_capacity_for(rate, max-io)
 * --hold-us      copy only frames whose write position the host has seen for
 *                at least U microseconds (default 200).  The simulator writes
 *                a cycle and reads a cycle microseconds apart; the hold makes
 *                sure the host never copies in that gap, so the pass-through
 *                adds exactly one IO cycle of round trip in real-time mode
 *                (and nothing in fast mode, where the simulator waits).
 * --heartbeat-ms heartbeat period (default 20; 0: never, the region looks dead)
 * --restart-at   at S seconds restart the host: "rename" = orderly stop
 *                (SHUTDOWN, unlink) and a new file 100 ms later; "inplace" =
 *                re-format the same file with a new generation.  Each
 *                generation starts its positions 2^40 frames apart, so a
 *                device still using the old positions sees them as
 *                implausible (and resynchronises) instead of as data.
 * Stops after --seconds (default 10) or on SIGINT/SIGTERM: SHUTDOWN flag,
 * unlink.  Prints `copied N` and `restarts N` on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vocana/region_posix.h"

#define NS_PER_S  UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_US UINT64_C(1000)
#define MAX_RESTARTS 8
#define CHUNK 4096u

typedef struct restart {
    uint64_t at_ns;
    bool inplace;
} restart;

typedef struct host {
    const char *dir, *id;
    uint32_t rate, channels, capacity;
    uint64_t seconds_ns, hold_ns, heartbeat_ns;
    restart restarts[MAX_RESTARTS];
    int n_restarts, done_restarts;
    char path[4096];
    int fd;
    void *base;
    size_t size;
    struct vocana_region_header *h;
    vocana_ring in, out; /* to-host consumer, from-host producer */
    uint64_t generation, gen_index;
    bool cand;
    uint64_t cand_w, cand_t, limit;
    float *buf;
    uint64_t copied;
} host;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "fake-host: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void nap_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double num(const char *s, const char *opt)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || (*end != '\0' && *end != ':') || v < 0)
        die("bad number for", opt);
    return v;
}

static void bind_views(host *h)
{
    float *d0 = (float *)((char *)h->base + vocana_ring_data_offset(h->capacity, h->channels,
                                                                    VOCANA_RING_TO_HOST));
    float *d1 = (float *)((char *)h->base + vocana_ring_data_offset(h->capacity, h->channels,
                                                                    VOCANA_RING_FROM_HOST));
    if (vocana_ring_init(&h->in, &h->h->to_host, d0, h->capacity, h->channels, VOCANA_CONSUMER) ||
        vocana_ring_init(&h->out, &h->h->from_host, d1, h->capacity, h->channels, VOCANA_PRODUCER))
        die("cannot bind ring views", NULL);
    h->cand = false;
    h->limit = h->in.pos;
}

static void format(host *h)
{
    h->generation = (vocana_monotonic_ns() ^ UINT64_C(0x5DEECE66D)) | 1u;
    vocana_region_params p = {
        .device_id = h->id,
        .name = "Fake Host",
        .generation = h->generation,
        .start_pos = ++h->gen_index << 40,
        .sample_rate = h->rate,
        .channels = h->channels,
        .capacity_frames = h->capacity,
    };
    int rc = vocana_region_format(h->base, h->size, &p);
    if (rc)
        die("vocana_region_format", vocana_strerror(rc));
    bind_views(h);
}

/* abi.h section 4: sealed memfd, format (magic last), publish the link */
static void create(host *h)
{
    vocana_mapping m;
    int rc = vocana_region_create_sealed(h->id, h->size, &h->fd, &m);
    if (rc)
        die("cannot create the region", vocana_strerror(rc));
    h->base = m.base;
    h->h = m.base;
    format(h);
    rc = vocana_region_publish(h->dir, h->id, h->fd);
    if (rc)
        die("cannot publish the region", vocana_strerror(rc));
}

static void withdraw(host *h)
{
    atomic_store_explicit(&h->h->host_flags, VOCANA_HOST_SHUTDOWN, memory_order_release);
    (void)vocana_region_unpublish(h->dir, h->id, h->fd);
    munmap(h->base, h->size);
    close(h->fd);
    h->fd = -1;
    h->base = NULL;
    h->h = NULL;
}

static void passthrough(host *h, uint64_t now)
{
    uint32_t avail = vocana_ring_read_avail(&h->in);
    uint64_t w = h->in.pos + avail;
    if (h->hold_ns == 0) {
        h->limit = w;
    } else {
        if (h->cand && now - h->cand_t >= h->hold_ns) {
            h->limit = h->cand_w;
            h->cand = false;
        }
        if (!h->cand && w != h->limit) {
            h->cand = true;
            h->cand_w = w;
            h->cand_t = now;
        }
    }
    if (h->limit < h->in.pos || h->limit - h->in.pos > h->capacity) /* resynchronised */
        h->limit = h->in.pos;
    uint64_t n = h->limit - h->in.pos;
    while (n > 0) {
        uint32_t space = vocana_ring_write_space(&h->out);
        uint32_t k = n < CHUNK ? (uint32_t)n : CHUNK;
        if (k > space)
            k = space;
        if (k == 0)
            break;
        /* the stamp travels with the frames, as in the Java host (abi.h section 6) */
        uint32_t clock = atomic_load_explicit(&h->h->to_host.clock, memory_order_relaxed);
        uint64_t t0 = h->in.pos + atomic_load_explicit(&h->h->to_host.time_base, memory_order_relaxed);
        uint32_t got = vocana_ring_read(&h->in, h->buf, k);
        if (h->out.clock != clock)
            vocana_ring_set_clock(&h->out, clock, 0);
        vocana_ring_write_at(&h->out, h->buf, got, t0);
        h->copied += got;
        n -= got;
        if (got < k)
            break;
    }
}

int main(int argc, char **argv)
{
    host h;
    memset(&h, 0, sizeof h);
    h.rate = 48000;
    h.channels = 2;
    uint32_t max_io = 512;
    h.seconds_ns = 10 * NS_PER_S;
    h.hold_ns = 200 * NS_PER_US;
    h.heartbeat_ns = 20 * NS_PER_MS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            die("missing value for", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--dir")) h.dir = v;
        else if (!strcmp(a, "--device")) h.id = v;
        else if (!strcmp(a, "--rate")) h.rate = (uint32_t)num(v, a);
        else if (!strcmp(a, "--channels")) h.channels = (uint32_t)num(v, a);
        else if (!strcmp(a, "--max-io")) max_io = (uint32_t)num(v, a);
        else if (!strcmp(a, "--seconds")) h.seconds_ns = (uint64_t)(num(v, a) * 1e9);
        else if (!strcmp(a, "--hold-us")) h.hold_ns = (uint64_t)(num(v, a) * 1e3);
        else if (!strcmp(a, "--heartbeat-ms")) h.heartbeat_ns = (uint64_t)(num(v, a) * 1e6);
        else if (!strcmp(a, "--restart-at")) {
            const char *colon = strchr(v, ':');
            if (!colon || h.n_restarts == MAX_RESTARTS ||
                (strcmp(colon + 1, "rename") && strcmp(colon + 1, "inplace")))
                die("--restart-at takes SECONDS:rename or SECONDS:inplace", v);
            h.restarts[h.n_restarts].at_ns = (uint64_t)(num(v, a) * 1e9);
            h.restarts[h.n_restarts].inplace = !strcmp(colon + 1, "inplace");
            h.n_restarts++;
        } else die("unknown option", a);
    }
    if (!h.dir || !h.id)
        die("usage: fake-host --dir DIR --device ID [--rate HZ] [--channels N] [--max-io N] "
            "[--seconds S] [--hold-us U] [--heartbeat-ms M] [--restart-at S:rename|S:inplace]...",
            NULL);
    h.capacity = vocana_capacity_for(h.rate, max_io);
    if (h.capacity == 0)
        die("rate or max-io out of range", NULL);
    if (vocana_region_path(h.path, sizeof h.path, h.dir, h.id) != VOCANA_OK)
        die("bad device id or dir", h.id);
    h.size = (size_t)vocana_region_size(h.capacity, h.channels);
    h.buf = malloc((size_t)CHUNK * h.channels * sizeof(float));
    if (!h.buf)
        die("out of memory", NULL);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigprocmask(SIG_BLOCK, &stop, NULL);

    create(&h);
    uint64_t start = vocana_monotonic_ns();
    uint64_t next_hb = start;
    uint64_t next_sig = start;
    for (;;) {
        uint64_t now = vocana_monotonic_ns();
        if (now - start >= h.seconds_ns)
            break;
        if (now >= next_sig) {
            sigset_t p;
            next_sig = now + 10 * NS_PER_MS;
            if (sigpending(&p) == 0 && (sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1))
                break;
        }
        if (h.done_restarts < h.n_restarts && now - start >= h.restarts[h.done_restarts].at_ns) {
            if (h.restarts[h.done_restarts].inplace) {
                format(&h);
            } else {
                withdraw(&h);
                nap_ns(100 * NS_PER_MS);
                create(&h);
            }
            h.done_restarts++;
            continue;
        }
        if (h.heartbeat_ns && now >= next_hb) {
            atomic_fetch_add_explicit(&h.h->heartbeat, 1, memory_order_release);
            next_hb = now + h.heartbeat_ns;
        }
        passthrough(&h, now);
        nap_ns(50 * NS_PER_US);
    }
    withdraw(&h);
    printf("copied %llu\nrestarts %d\n", (unsigned long long)h.copied, h.done_restarts);
    free(h.buf);
    return 0;
}
