/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Device state machine: attach, probe, active IO, stale heartbeat,
 * generation change, shutdown, withdrawal, re-attach, registry. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define MS UINT64_C(1000000)
#define CH 2u
#define CAP 256u

static vocana_device_config cfg_for(const char *id)
{
    vocana_device_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.device_id, id);
    c.channels = CH;
    c.sample_rate = 48000;
    c.max_io_frames = 64;
    return c;
}

/* host-side views of a region */
typedef struct host {
    vocana_ring in;  /* consumer of "to host" */
    vocana_ring out; /* producer of "from host" */
} host;

static host host_bind(tu_region *r)
{
    host h;
    CHECK_RC(vocana_ring_init(&h.in, &r->h->to_host, tu_ring_data(r, VOCANA_RING_TO_HOST), CAP,
                              CH, VOCANA_CONSUMER),
             VOCANA_OK);
    CHECK_RC(vocana_ring_init(&h.out, &r->h->from_host, tu_ring_data(r, VOCANA_RING_FROM_HOST),
                              CAP, CH, VOCANA_PRODUCER),
             VOCANA_OK);
    return h;
}

static int all_zero(const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0.0f)
            return 0;
    return 1;
}

/* bring a device to ACTIVE on region r at time t (returns new time) */
static uint64_t activate(vocana_device *d, tu_region *r, uint64_t t)
{
    CHECK_EQ(vocana_device_tick(d, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(d, r->base, r->size, t), VOCANA_OK);
    CHECK_EQ(vocana_device_state(d), VOCANA_DEV_PROBING);
    t += 10 * MS;
    tu_heartbeat(r);
    CHECK_EQ(vocana_device_tick(d, t), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_state(d), VOCANA_DEV_ACTIVE);
    return t;
}

static void detach_ok(vocana_device *d, tu_region *r)
{
    void *b = NULL;
    size_t s = 0;
    CHECK_RC(vocana_device_detach(d, &b, &s), VOCANA_OK);
    CHECK(b == r->base);
    CHECK_EQ(s, r->size);
    CHECK_EQ(vocana_device_state(d), VOCANA_DEV_DETACHED);
}

static void test_device_init_errors(void)
{
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(NULL, &c), VOCANA_E_ARG);
    CHECK_RC(vocana_device_init(&d, NULL), VOCANA_E_ARG);
    c = cfg_for(".bad");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_E_DEVICE_ID);
    c = cfg_for("ok");
    c.channels = 0;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_E_CHANNELS);
    c = cfg_for("ok");
    c.sample_rate = 1000;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_E_RATE);
    c = cfg_for("ok");
    c.max_io_frames = 0;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_E_IO_FRAMES);
    c.max_io_frames = VOCANA_IO_FRAMES_MAX + 1;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_E_IO_FRAMES);
    c = cfg_for("ok");
    c.sample_rate = 0; /* any */
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    CHECK_EQ(d.cfg.heartbeat_timeout_ns, VOCANA_HEARTBEAT_TIMEOUT_MS * MS);
    CHECK_EQ(d.cfg.retry_interval_ns, VOCANA_RETRY_INTERVAL_MS * MS);
}

static void test_device_detached_silence(void)
{
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    float buf[32 * CH];
    for (size_t i = 0; i < 32 * CH; i++)
        buf[i] = 1.0f;
    CHECK_EQ(vocana_device_write(&d, buf, 32), 0);
    CHECK_EQ(vocana_device_read(&d, buf, 32), 0);
    CHECK(all_zero(buf, 32 * CH));
    vocana_device_stats st;
    vocana_device_get_stats(&d, &st);
    CHECK_EQ(st.dropped_detached_frames, 32);
    CHECK_EQ(st.silence_detached_frames, 32);
    void *b;
    size_t s;
    CHECK_RC(vocana_device_detach(&d, &b, &s), VOCANA_E_STATE);
}

static void test_device_attach_probe_active_io(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 77, UINT64_C(1) << 63);
    host h = host_bind(&r);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    uint64_t t = 5 * MS;
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t), VOCANA_OK);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t), VOCANA_E_STATE);
    /* probing: region valid but IO still silent until the heartbeat moves */
    float buf[16 * CH], got[16 * CH];
    for (size_t i = 0; i < 16 * CH; i++)
        buf[i] = (float)i + 1;
    CHECK_EQ(vocana_device_write(&d, buf, 16), 0);
    CHECK_EQ(vocana_device_tick(&d, t + 500 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_PROBING);
    CHECK_EQ(atomic_load(&r.h->device_flags), 0);
    tu_heartbeat(&r);
    CHECK_EQ(vocana_device_tick(&d, t + 600 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_ACTIVE);
    CHECK_EQ(atomic_load(&r.h->device_flags), VOCANA_DEVICE_ATTACHED);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_OK);
    /* playback reaches the host, host output reaches capture */
    CHECK_EQ(vocana_device_write(&d, buf, 16), 16);
    CHECK_EQ(vocana_ring_read(&h.in, got, 16), 16);
    CHECK(memcmp(buf, got, sizeof buf) == 0);
    CHECK_EQ(vocana_device_read(&d, got, 16), 0); /* nothing from the host yet: silence */
    CHECK(all_zero(got, 16 * CH));
    CHECK_EQ(vocana_ring_write(&h.out, buf, 10), 10);
    CHECK_EQ(vocana_device_read(&d, got, 16), 10);
    CHECK(memcmp(buf, got, 10 * CH * sizeof(float)) == 0);
    CHECK(all_zero(got + 10 * CH, 6 * CH));
    vocana_device_stats st;
    vocana_device_get_stats(&d, &st);
    CHECK_EQ(st.from_host_underruns, 2);
    CHECK_EQ(st.from_host_underrun_frames, 22);
    /* the untimed read is a FIFO: nothing is skipped (the timed reads of abi.h section 6 are in
     * test_timing.c) */
    for (size_t i = 0; i < 16 * CH; i++)
        buf[i] = (float)(100 + i);
    CHECK_EQ(vocana_ring_write(&h.out, buf, 16), 16);
    CHECK_EQ(vocana_device_read(&d, got, 10), 10);
    CHECK(memcmp(buf, got, 10 * CH * sizeof(float)) == 0);
    CHECK_EQ(vocana_ring_read_avail(&d.from_host), 6);
    CHECK_EQ(vocana_ring_discard(&d.from_host), 6);
    for (size_t i = 0; i < 16 * CH; i++)
        buf[i] = (float)i + 1;
    vocana_device_get_stats(&d, &st);
    CHECK_EQ(st.from_host_underruns, 2);
    CHECK_EQ(st.attaches, 1);
    CHECK_EQ(st.dropped_detached_frames, 16);
    /* the host's latency reaches the device side, clamped to the capacity */
    CHECK_EQ(vocana_device_host_latency(&d), 0);
    atomic_store(&r.h->latency_frames, 96);
    CHECK_EQ(vocana_device_host_latency(&d), 96);
    atomic_store(&r.h->latency_frames, UINT32_MAX);
    CHECK_EQ(vocana_device_host_latency(&d), CAP);
    /* a device that is never read overruns, dropping the newest */
    uint32_t total = 0;
    for (int i = 0; i < 40; i++)
        total += vocana_device_write(&d, buf, 16);
    CHECK_EQ(total, CAP);
    vocana_device_get_stats(&d, &st);
    CHECK(st.to_host_overruns > 0);
    CHECK_EQ(st.to_host_overrun_frames, 40 * 16 - CAP);
    /* orderly detach on request */
    detach_ok(&d, &r);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_DETACHED);
    CHECK_EQ(atomic_load(&r.h->device_flags), 0);
    CHECK_EQ(vocana_device_write(&d, buf, 16), 0);
    CHECK_EQ(vocana_device_host_latency(&d), 0);
    tu_region_free(&r);
}

static void test_device_stale_heartbeat(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 5, 0);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    c.heartbeat_timeout_ns = 300 * MS;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    uint64_t t = activate(&d, &r, 1000 * MS);
    /* the host keeps beating: stays active through many timeouts */
    for (int i = 0; i < 20; i++) {
        t += 100 * MS;
        tu_heartbeat(&r);
        CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_NONE);
    }
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_ACTIVE);
    /* silence from the host: exactly at the timeout still alive, after it stale */
    CHECK_EQ(vocana_device_tick(&d, t + 300 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_tick(&d, t + 300 * MS + 1), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_DETACHING);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_HEARTBEAT_STALE);
    float buf[8 * CH];
    CHECK_EQ(vocana_device_write(&d, buf, 8), 0); /* gate closed at once */
    CHECK_EQ(vocana_device_tick(&d, t + 400 * MS), VOCANA_ACT_DETACH);
    detach_ok(&d, &r);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_HEARTBEAT_STALE);
    /* re-attach is attempted at once; the stale region probes and is
     * dropped again after the timeout */
    t += 500 * MS;
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t), VOCANA_OK);
    CHECK_EQ(vocana_device_tick(&d, t + 200 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_tick(&d, t + 301 * MS), VOCANA_ACT_DETACH);
    detach_ok(&d, &r);
    /* host comes back (same generation, heartbeat moves): attach again */
    t += 1000 * MS;
    t = activate(&d, &r, t);
    vocana_device_stats st;
    vocana_device_get_stats(&d, &st);
    CHECK_EQ(st.attaches, 2);
    CHECK_EQ(st.detaches, 2);
    tu_region_free(&r);
}

static void test_device_generation_change(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 100, 0);
    host h = host_bind(&r);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    uint64_t t = activate(&d, &r, 0);
    float buf[50 * CH];
    memset(buf, 0, sizeof buf);
    CHECK_EQ(vocana_device_write(&d, buf, 50), 50);
    CHECK_EQ(vocana_ring_read(&h.in, buf, 20), 20);
    /* host restarts in place with a new generation and new positions */
    vocana_region_params p = {.device_id = "mic0", .name = "Restarted", .generation = 101,
                              .start_pos = 5000, .sample_rate = 48000, .channels = CH,
                              .capacity_frames = CAP};
    CHECK_RC(vocana_region_format(r.base, r.size, &p), VOCANA_OK);
    t += 50 * MS;
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_GENERATION_CHANGED);
    detach_ok(&d, &r);
    t = activate(&d, &r, t);
    CHECK_EQ(d.info.generation, 101);
    CHECK(strcmp(d.info.name, "Restarted") == 0);
    /* positions continue from the new region's values */
    h = host_bind(&r);
    CHECK_EQ(h.in.pos, 5000);
    CHECK_EQ(vocana_device_write(&d, buf, 5), 5);
    CHECK_EQ(atomic_load(&r.h->to_host.write_pos), 5005);
    CHECK_EQ(vocana_ring_read_avail(&h.in), 5);
    detach_ok(&d, &r);
    tu_region_free(&r);
}

static void test_device_withdraw_and_shutdown(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 9, 0);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    uint64_t t = activate(&d, &r, 0);
    atomic_store(&r.h->magic, 0);
    CHECK_EQ(vocana_device_tick(&d, t + 1), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_HOST_GONE);
    detach_ok(&d, &r);
    /* not published: attach refuses, retry waits for the interval */
    CHECK_EQ(vocana_device_tick(&d, t + 2), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t + 2), VOCANA_E_NOT_READY);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_DETACHED);
    CHECK_EQ(vocana_device_tick(&d, t + 2 + 100 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_tick(&d, t + 2 + 250 * MS), VOCANA_ACT_ATTACH);
    atomic_store(&r.h->magic, VOCANA_MAGIC);
    t = activate(&d, &r, t + 600 * MS);
    atomic_store(&r.h->host_flags, VOCANA_HOST_RUNNING | VOCANA_HOST_SHUTDOWN);
    CHECK_EQ(vocana_device_tick(&d, t + 1), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_HOST_STOPPED);
    detach_ok(&d, &r);
    CHECK_EQ(vocana_device_tick(&d, t + 2), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t + 2), VOCANA_E_HOST_STOPPED);
    /* probing region withdrawn before it ever went live */
    atomic_store(&r.h->host_flags, VOCANA_HOST_RUNNING);
    t += 1000 * MS;
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&d, r.base, r.size, t), VOCANA_OK);
    atomic_fetch_add(&r.h->generation, 1);
    CHECK_EQ(vocana_device_tick(&d, t + 1), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_GENERATION_CHANGED);
    detach_ok(&d, &r);
    tu_region_free(&r);
}

static void test_device_attach_refusals(void)
{
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    tu_region other = tu_region_new("spk0", 48000, CH, CAP, 1, 0);
    CHECK_RC(vocana_device_attach(&d, other.base, other.size, 0), VOCANA_E_ID_MISMATCH);
    tu_region_free(&other);
    tu_region mono = tu_region_new("mic0", 48000, 1, CAP, 1, 0);
    CHECK_RC(vocana_device_attach(&d, mono.base, mono.size, 0), VOCANA_E_FORMAT_MISMATCH);
    tu_region_free(&mono);
    tu_region rate = tu_region_new("mic0", 44100, CH, CAP, 1, 0);
    CHECK_RC(vocana_device_attach(&d, rate.base, rate.size, 0), VOCANA_E_FORMAT_MISMATCH);
    tu_region_free(&rate);
    c.max_io_frames = 4096;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    tu_region small = tu_region_new("mic0", 48000, CH, CAP, 1, 0);
    CHECK_RC(vocana_device_attach(&d, small.base, small.size, 0), VOCANA_E_CAPACITY_TOO_SMALL);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_CAPACITY_TOO_SMALL);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_DETACHED);
    CHECK_RC(vocana_device_attach(&d, NULL, 0, 0), VOCANA_E_ARG);
    tu_region_free(&small);
    /* rate 0 in the config accepts the region's rate */
    c = cfg_for("mic0");
    c.sample_rate = 0;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    tu_region any = tu_region_new("mic0", 96000, CH, CAP, 1, 0);
    CHECK_RC(vocana_device_attach(&d, any.base, any.size, 0), VOCANA_OK);
    CHECK_EQ(d.info.sample_rate, 96000);
    detach_ok(&d, &any);
    tu_region_free(&any);
}

static void test_device_busy_detach(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 3, 0);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    activate(&d, &r, 0);
    /* pretend an IO thread is inside the gate */
    atomic_fetch_add(&d.gate, 1);
    void *b = NULL;
    size_t s = 0;
    CHECK_RC(vocana_device_detach(&d, &b, &s), VOCANA_E_BUSY);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_DETACHING);
    CHECK(b == NULL);
    float buf[4 * CH];
    CHECK_EQ(vocana_device_write(&d, buf, 4), 0); /* new IO no longer enters */
    CHECK_EQ(vocana_device_tick(&d, 5), VOCANA_ACT_DETACH);
    CHECK_RC(vocana_device_detach(&d, &b, &s), VOCANA_E_BUSY);
    atomic_fetch_sub(&d.gate, 1);
    CHECK_RC(vocana_device_detach(&d, &b, &s), VOCANA_OK);
    CHECK(b == r.base);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_DETACHED);
    tu_region_free(&r);
}

static void test_device_clock_backwards_and_retry(void)
{
    tu_region r = tu_region_new("mic0", 48000, CH, CAP, 3, 0);
    vocana_device d;
    vocana_device_config c = cfg_for("mic0");
    c.retry_interval_ns = 100 * MS;
    CHECK_RC(vocana_device_init(&d, &c), VOCANA_OK);
    uint64_t t = 10000 * MS;
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_ATTACH); /* first tick: at once */
    CHECK_EQ(vocana_device_tick(&d, t + 99 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_tick(&d, t + 100 * MS), VOCANA_ACT_ATTACH);
    CHECK_EQ(vocana_device_tick(&d, t), VOCANA_ACT_ATTACH); /* clock went back */
    t = activate(&d, &r, t + 200 * MS);
    /* clock jumps backwards while active: not taken as staleness */
    CHECK_EQ(vocana_device_tick(&d, t - 5000 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_tick(&d, t - 4500 * MS), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_state(&d), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_tick(&d, t - 5000 * MS + 1001 * MS), VOCANA_ACT_DETACH);
    CHECK_EQ(vocana_device_last_error(&d), VOCANA_E_HEARTBEAT_STALE);
    detach_ok(&d, &r);
    CHECK_EQ(vocana_device_tick(NULL, 0), VOCANA_ACT_NONE);
    tu_region_free(&r);
}

static void test_device_one_direction(void)
{
    tu_region r = tu_region_new("duo", 48000, CH, CAP, 77, UINT64_C(1) << 63);
    host h = host_bind(&r);
    vocana_device play, rec;
    vocana_device_config c = cfg_for("duo");
    c.directions = VOCANA_DIR_TO_HOST;
    CHECK_RC(vocana_device_init(&play, &c), VOCANA_OK);
    c.directions = VOCANA_DIR_FROM_HOST;
    CHECK_RC(vocana_device_init(&rec, &c), VOCANA_OK);
    c.directions = 4;
    vocana_device bad;
    CHECK_RC(vocana_device_init(&bad, &c), VOCANA_E_ARG);
    float buf[16 * CH], got[16 * CH];
    for (size_t i = 0; i < 16 * CH; i++)
        buf[i] = (float)i + 1;
    /* the host has output waiting: attaching the playback context must not
     * consume it (the capture context is its only reader) */
    uint64_t start = atomic_load(&r.h->from_host.read_pos);
    CHECK_EQ(vocana_ring_write(&h.out, buf, 8), 8);
    uint64_t t = 5 * MS;
    CHECK_EQ(vocana_device_tick(&play, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&play, r.base, r.size, t), VOCANA_OK);
    CHECK_EQ(atomic_load(&r.h->from_host.read_pos), start);
    CHECK_EQ(vocana_device_tick(&rec, t), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(&rec, r.base, r.size, t), VOCANA_OK);
    CHECK_EQ(atomic_load(&r.h->from_host.read_pos), start + 8); /* stale output discarded by the reader */
    tu_heartbeat(&r);
    vocana_device_tick(&play, t + MS);
    vocana_device_tick(&rec, t + MS);
    CHECK_EQ(vocana_device_state(&play), VOCANA_DEV_ACTIVE);
    CHECK_EQ(vocana_device_state(&rec), VOCANA_DEV_ACTIVE);
    /* each context moves only its own direction */
    CHECK_EQ(vocana_device_write(&play, buf, 16), 16);
    CHECK_EQ(vocana_device_write(&rec, buf, 16), 0);
    CHECK_EQ(vocana_ring_read(&h.in, got, 16), 16);
    CHECK(memcmp(buf, got, sizeof buf) == 0);
    CHECK_EQ(vocana_ring_write(&h.out, buf, 16), 16);
    CHECK_EQ(vocana_device_read(&play, got, 16), 0);
    CHECK(all_zero(got, 16 * CH));
    CHECK_EQ(vocana_device_read(&rec, got, 16), 16);
    CHECK(memcmp(buf, got, sizeof buf) == 0);
    detach_ok(&play, &r);
    detach_ok(&rec, &r);
    tu_region_free(&r);
}

static void test_registry(void)
{
    vocana_registry *reg = malloc(sizeof *reg);
    vocana_registry_init(reg);
    CHECK_EQ(vocana_registry_count(reg), 0);
    CHECK(vocana_registry_at(reg, 0) == NULL);
    vocana_device *d0 = NULL, *d1 = NULL;
    vocana_device_config c = cfg_for("mic0");
    CHECK_RC(vocana_registry_add(reg, &c, &d0), VOCANA_OK);
    CHECK_RC(vocana_registry_add(reg, &c, &d1), VOCANA_E_EXISTS);
    c = cfg_for("spk0");
    CHECK_RC(vocana_registry_add(reg, &c, &d1), VOCANA_OK);
    CHECK(d0 != d1);
    CHECK(vocana_registry_find(reg, "mic0") == d0);
    CHECK(vocana_registry_find(reg, "spk0") == d1);
    CHECK(vocana_registry_find(reg, "nope") == NULL);
    CHECK_EQ(vocana_registry_count(reg), 2);
    CHECK(vocana_registry_at(reg, 1) == d1);
    c = cfg_for("bad/id");
    CHECK_RC(vocana_registry_add(reg, &c, NULL), VOCANA_E_DEVICE_ID);
    c = cfg_for("x");
    c.channels = 99;
    CHECK_RC(vocana_registry_add(reg, &c, NULL), VOCANA_E_CHANNELS);
    CHECK_EQ(vocana_registry_count(reg), 2);
    /* an attached device cannot be removed; devices are independent */
    tu_region r = tu_region_new("spk0", 48000, CH, CAP, 1, 0);
    activate(d1, &r, 0);
    CHECK_RC(vocana_registry_remove(reg, "spk0"), VOCANA_E_STATE);
    float buf[4 * CH] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_EQ(vocana_device_write(d0, buf, 4), 0);
    CHECK_EQ(vocana_device_write(d1, buf, 4), 4);
    detach_ok(d1, &r);
    tu_region_free(&r);
    CHECK_RC(vocana_registry_remove(reg, "spk0"), VOCANA_OK);
    CHECK_RC(vocana_registry_remove(reg, "spk0"), VOCANA_E_NOT_FOUND);
    CHECK(vocana_registry_find(reg, "mic0") == d0); /* did not move */
    /* fill it up */
    char id[16];
    uint32_t added = 1;
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "dev%d", i);
        c = cfg_for(id);
        int rc = vocana_registry_add(reg, &c, NULL);
        if (rc == VOCANA_OK)
            added++;
        else
            CHECK_RC(rc, VOCANA_E_FULL);
    }
    CHECK_EQ(added, VOCANA_REGISTRY_MAX);
    CHECK_EQ(vocana_registry_count(reg), VOCANA_REGISTRY_MAX);
    CHECK_RC(vocana_registry_add(NULL, &c, NULL), VOCANA_E_ARG);
    CHECK_RC(vocana_registry_remove(reg, NULL), VOCANA_E_ARG);
    free(reg);
}

const th_test device_tests[] = {
    {"device_one_direction_per_context", test_device_one_direction},
    {"device_init_errors", test_device_init_errors},
    {"device_detached_plays_silence", test_device_detached_silence},
    {"device_attach_probe_active_io", test_device_attach_probe_active_io},
    {"device_stale_heartbeat_reattach", test_device_stale_heartbeat},
    {"device_generation_change_reattach", test_device_generation_change},
    {"device_withdraw_shutdown_retry", test_device_withdraw_and_shutdown},
    {"device_attach_refusals", test_device_attach_refusals},
    {"device_busy_detach", test_device_busy_detach},
    {"device_clock_backwards_retry", test_device_clock_backwards_and_retry},
    {"registry", test_registry},
};
const size_t device_tests_n = sizeof device_tests / sizeof device_tests[0];
