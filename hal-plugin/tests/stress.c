/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Concurrency stress test, built with ThreadSanitizer.
 *
 * 1. ring_spsc: a producer and a consumer thread move a checked sequence
 *    through one ring (every sample encodes its frame number), in random
 *    chunk sizes, the consumer reading blindly (so underrun/silence paths
 *    run concurrently too).  Positions start just below 2^64 so both the
 *    masked index and the 64-bit position itself wrap.  Any lost,
 *    duplicated or reordered frame fails.
 * 2. device_churn: an IO thread calls vocana_device_write/read, a host
 *    thread serves the rings and beats, and the control thread detaches and
 *    re-attaches the device over and over.  Both directions must still be
 *    exactly contiguous (positions persist in the region across attaches).
 *
 * usage: stress [samples]   (samples moved by test 1; default 40 million)
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vocana/region_posix.h"

#define CH 2u

static inline void enc(float *f, uint64_t k)
{
    f[0] = (float)(uint32_t)(k & 0xFFFFFFu);
    f[1] = (float)(uint32_t)((k >> 24) & 0xFFFFFFu);
}

static inline int dec_ok(const float *f, uint64_t k)
{
    return f[0] == (float)(uint32_t)(k & 0xFFFFFFu) &&
           f[1] == (float)(uint32_t)((k >> 24) & 0xFFFFFFu);
}

/* ---------------------------------------------------------------- 1 ---- */

typedef struct spsc {
    vocana_ring prod, cons;
    uint64_t frames;
    uint32_t max_chunk;
    uint64_t errors;
    uint64_t underruns_seen;
} spsc;

static void *spsc_producer(void *arg)
{
    spsc *s = arg;
    float *buf = malloc((size_t)s->max_chunk * CH * sizeof(float));
    uint64_t seed = 0x9E3779B97F4A7C15u, k = 0;
    while (k < s->frames) {
        uint32_t space = vocana_ring_write_space(&s->prod);
        if (space == 0) {
            sched_yield();
            continue;
        }
        uint32_t n = (uint32_t)(tu_rand(&seed) % s->max_chunk) + 1;
        if (n > space)
            n = space;
        if (n > s->frames - k)
            n = (uint32_t)(s->frames - k);
        for (uint32_t i = 0; i < n; i++)
            enc(buf + (size_t)i * CH, k + i);
        uint32_t w = vocana_ring_write(&s->prod, buf, n);
        if (w != n) /* only the consumer frees space: must not happen */
            s->errors++;
        k += w;
    }
    free(buf);
    return NULL;
}

static void *spsc_consumer(void *arg)
{
    spsc *s = arg;
    float *buf = malloc((size_t)s->max_chunk * CH * sizeof(float));
    uint64_t seed = 0xD1B54A32D192ED03u, k = 0;
    while (k < s->frames && s->errors == 0) {
        uint32_t n = (uint32_t)(tu_rand(&seed) % s->max_chunk) + 1;
        uint32_t r = vocana_ring_read(&s->cons, buf, n);
        for (uint32_t i = 0; i < r; i++)
            if (!dec_ok(buf + (size_t)i * CH, k + i)) {
                if (s->errors++ < 5)
                    fprintf(stderr, "  spsc: frame %llu wrong\n", (unsigned long long)(k + i));
            }
        for (size_t i = (size_t)r * CH; i < (size_t)n * CH; i++)
            if (buf[i] != 0.0f)
                s->errors++;
        k += r;
        if (r < n) {
            s->underruns_seen++;
            sched_yield();
        }
    }
    free(buf);
    return NULL;
}

static int test_ring_spsc(uint64_t samples)
{
    const uint32_t cap = 1024;
    struct vocana_ring_ctl *ctl = aligned_alloc(VOCANA_LINE, sizeof *ctl);
    memset(ctl, 0, sizeof *ctl);
    float *data = malloc((size_t)cap * CH * sizeof(float));
    spsc s;
    memset(&s, 0, sizeof s);
    s.frames = samples / CH;
    s.max_chunk = 700;
    uint64_t start = UINT64_MAX - s.frames / 2; /* the position wraps halfway */
    atomic_store(&ctl->write_pos, start);
    atomic_store(&ctl->read_pos, start);
    vocana_ring_init(&s.prod, ctl, data, cap, CH, VOCANA_PRODUCER);
    vocana_ring_init(&s.cons, ctl, data, cap, CH, VOCANA_CONSUMER);
    uint64_t t0 = vocana_monotonic_ns();
    pthread_t p, c;
    pthread_create(&p, NULL, spsc_producer, &s);
    pthread_create(&c, NULL, spsc_consumer, &s);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    double secs = (double)(vocana_monotonic_ns() - t0) / 1e9;
    int ok = s.errors == 0 && s.cons.pos == start + s.frames &&
             atomic_load(&ctl->write_pos) == start + s.frames &&
             atomic_load(&ctl->overruns) == 0 && atomic_load(&ctl->producer_faults) == 0 &&
             atomic_load(&ctl->consumer_faults) == 0 &&
             atomic_load(&ctl->underruns) == s.underruns_seen;
    printf("  %s ring_spsc: %llu samples (%llu frames x %u ch) in %.2f s, %.1f M samples/s, "
           "%llu underruns, %llu errors\n",
           ok ? "ok  " : "FAIL", (unsigned long long)(s.frames * CH),
           (unsigned long long)s.frames, CH, secs, (double)(s.frames * CH) / secs / 1e6,
           (unsigned long long)s.underruns_seen, (unsigned long long)s.errors);
    free(ctl);
    free(data);
    return ok;
}

/* ---------------------------------------------------------------- 2 ---- */

typedef struct churn {
    tu_region r;
    vocana_device dev;
    _Atomic int stop;
    uint64_t io_errors, host_errors, io_skipped;
    uint64_t io_out_frames, io_in_frames;   /* device wrote / device read */
    uint64_t host_in_frames, host_out_frames;
} churn;

static void *churn_io(void *arg)
{
    churn *c = arg;
    float buf[64 * CH];
    uint64_t kw = 0, kr = 0, seed = 42;
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        uint32_t n = (uint32_t)(tu_rand(&seed) % 64) + 1;
        for (uint32_t i = 0; i < n; i++)
            enc(buf + (size_t)i * CH, kw + i);
        kw += vocana_device_write(&c->dev, buf, n);
        n = (uint32_t)(tu_rand(&seed) % 64) + 1;
        uint32_t r = vocana_device_read(&c->dev, buf, n);
        for (uint32_t i = 0; i < r; i++) {
            const float *f = buf + (size_t)i * CH;
            if (dec_ok(f, kr)) {
                kr++;
                continue;
            }
            /* an attach discards what was queued: the sequence may jump forward, never back */
            uint64_t idx = (uint64_t)(uint32_t)f[0] | ((uint64_t)(uint32_t)f[1] << 24);
            if (idx > kr && (idx & 0xFFFFFFFFFFFFull) == idx) {
                c->io_skipped += idx - kr;
                kr = idx + 1;
            } else {
                c->io_errors++;
                kr++;
            }
        }
        for (size_t i = (size_t)r * CH; i < (size_t)n * CH; i++)
            if (buf[i] != 0.0f)
                c->io_errors++;
        if (r < n)
            sched_yield();
    }
    c->io_out_frames = kw;
    c->io_in_frames = kr; /* index of the next expected frame: read + skipped at attaches */
    return NULL;
}

static void *churn_host(void *arg)
{
    churn *c = arg;
    vocana_ring in, out;
    vocana_ring_init(&in, &c->r.h->to_host, tu_ring_data(&c->r, VOCANA_RING_TO_HOST),
                     c->r.h->capacity_frames, CH, VOCANA_CONSUMER);
    vocana_ring_init(&out, &c->r.h->from_host, tu_ring_data(&c->r, VOCANA_RING_FROM_HOST),
                     c->r.h->capacity_frames, CH, VOCANA_PRODUCER);
    float buf[128 * CH];
    uint64_t kin = 0, kout = 0;
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        tu_heartbeat(&c->r);
        uint32_t a = vocana_ring_read_avail(&in);
        if (a > 128)
            a = 128;
        uint32_t r = vocana_ring_read(&in, buf, a);
        for (uint32_t i = 0; i < r; i++)
            if (!dec_ok(buf + (size_t)i * CH, kin + i))
                c->host_errors++;
        kin += r;
        uint32_t s = vocana_ring_write_space(&out);
        if (s > 128)
            s = 128;
        for (uint32_t i = 0; i < s; i++)
            enc(buf + (size_t)i * CH, kout + i);
        kout += vocana_ring_write(&out, buf, s);
        if (r == 0 && s == 0)
            sched_yield();
    }
    c->host_in_frames = kin;
    c->host_out_frames = kout;
    return NULL;
}

static int test_device_churn(int cycles)
{
    churn *c = calloc(1, sizeof *c);
    c->r = tu_region_new("churn", 48000, CH, 256, 7, UINT64_MAX - 100000);
    vocana_device_config cfg;
    memset(&cfg, 0, sizeof cfg);
    strcpy(cfg.device_id, "churn");
    cfg.channels = CH;
    cfg.max_io_frames = 64;
    cfg.heartbeat_timeout_ns = UINT64_C(10000000000); /* never stale here */
    vocana_device_init(&c->dev, &cfg);
    pthread_t io, host;
    pthread_create(&io, NULL, churn_io, c);
    pthread_create(&host, NULL, churn_host, c);
    int ok = 1, busy = 0, activations = 0;
    for (int i = 0; i < cycles && ok; i++) {
        uint64_t now = vocana_monotonic_ns();
        if (vocana_device_tick(&c->dev, now) != VOCANA_ACT_ATTACH ||
            vocana_device_attach(&c->dev, c->r.base, c->r.size, now) != VOCANA_OK) {
            ok = 0;
            break;
        }
        /* wait for a heartbeat to open the gate */
        for (int spin = 0; vocana_device_state(&c->dev) != VOCANA_DEV_ACTIVE; spin++) {
            if (vocana_device_tick(&c->dev, vocana_monotonic_ns()) != VOCANA_ACT_NONE ||
                spin > 1000000) {
                ok = 0;
                break;
            }
            sched_yield();
        }
        activations++;
        for (int k = 0; k < 20; k++) /* let IO run for a moment */
            sched_yield();
        void *b;
        size_t sz;
        int rc;
        while ((rc = vocana_device_detach(&c->dev, &b, &sz)) == VOCANA_E_BUSY) {
            busy++;
            sched_yield();
        }
        if (rc != VOCANA_OK || b != c->r.base)
            ok = 0;
    }
    atomic_store(&c->stop, 1);
    pthread_join(io, NULL);
    pthread_join(host, NULL);
    /* everything the device wrote either reached the host or is in the ring */
    struct vocana_region_header *h = c->r.h;
    uint64_t in_ring = atomic_load(&h->to_host.write_pos) - atomic_load(&h->to_host.read_pos);
    uint64_t back_ring =
        atomic_load(&h->from_host.write_pos) - atomic_load(&h->from_host.read_pos);
    ok = ok && c->io_errors == 0 && c->host_errors == 0 &&
         c->io_out_frames == c->host_in_frames + in_ring &&
         /* the device saw (read or skipped) at most what the host wrote; discards at the
          * last attach may not have been observed by a read yet */
         c->io_in_frames + back_ring <= c->host_out_frames && c->io_out_frames > 0 &&
         c->io_in_frames > 0 && atomic_load(&h->to_host.producer_faults) == 0 &&
         atomic_load(&h->from_host.consumer_faults) == 0;
    printf("  %s device_churn: %d attach/detach cycles (%d busy retries), device->host %llu "
           "frames, host->device %llu frames (%llu stale skipped at attaches), %llu+%llu errors\n",
           ok ? "ok  " : "FAIL", activations, busy, (unsigned long long)c->io_out_frames,
           (unsigned long long)c->io_in_frames, (unsigned long long)c->io_skipped,
           (unsigned long long)c->io_errors,
           (unsigned long long)c->host_errors);
    tu_region_free(&c->r);
    free(c);
    return ok;
}

int main(int argc, char **argv)
{
    uint64_t samples = argc > 1 ? strtoull(argv[1], NULL, 10) : 40000000ull;
    int cycles = argc > 2 ? atoi(argv[2]) : 2000;
    int passed = 0, failed = 0;
    if (test_ring_spsc(samples))
        passed++;
    else
        failed++;
    if (test_device_churn(cycles))
        passed++;
    else
        failed++;
    printf("RESULT %d %d\n", passed, failed);
    return failed ? 1 : 0;
}
