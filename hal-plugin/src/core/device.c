/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Device context: the attach/detach state machine (pure, time passed in)
 * and the IO entry points.
 *
 *           tick: retry due                 attach OK
 *  DETACHED ---------------> ACT_ATTACH ------------------> PROBING
 *     ^                                                       |  heartbeat moved
 *     |  detach OK (no IO thread inside)                      v
 *  DETACHING <------ tick: host gone / stale / restarted -- ACTIVE
 *            (also from PROBING: stale, gone, restarted)
 *
 * IO threads and the control thread share one atomic word, the gate:
 * bit 31 = open, bits 0..30 = number of IO threads inside.  An IO call
 * increments it (acquire) and goes through the rings only if the gate was
 * open; otherwise it backs out and plays silence / drops input.  The
 * control thread opens the gate with a release OR once the rings are bound,
 * and closes it with an AND; it releases the mapping only when it then sees
 * no IO thread inside.  IO never waits: one fetch_add and one fetch_sub.
 */
#include <string.h>

#include "vocana/core.h"

#define GATE_OPEN  UINT32_C(0x80000000)
#define GATE_COUNT UINT32_C(0x7FFFFFFF)

#define NS_PER_MS UINT64_C(1000000)

static struct vocana_region_header *header_of(const vocana_device *dev)
{
    return (struct vocana_region_header *)dev->base;
}

int vocana_device_init(vocana_device *dev, const vocana_device_config *cfg)
{
    if (!dev || !cfg)
        return VOCANA_E_ARG;
    if (!vocana_device_id_valid(cfg->device_id))
        return VOCANA_E_DEVICE_ID;
    if (cfg->channels < VOCANA_CHANNELS_MIN || cfg->channels > VOCANA_CHANNELS_MAX)
        return VOCANA_E_CHANNELS;
    if (cfg->sample_rate != 0 &&
        (cfg->sample_rate < VOCANA_RATE_MIN || cfg->sample_rate > VOCANA_RATE_MAX))
        return VOCANA_E_RATE;
    if (cfg->max_io_frames < 1 || cfg->max_io_frames > VOCANA_IO_FRAMES_MAX)
        return VOCANA_E_IO_FRAMES;
    if (cfg->directions & ~VOCANA_DIR_BOTH)
        return VOCANA_E_ARG;

    memset(dev, 0, sizeof *dev);
    dev->cfg = *cfg;
    if (dev->cfg.heartbeat_timeout_ns == 0)
        dev->cfg.heartbeat_timeout_ns = VOCANA_HEARTBEAT_TIMEOUT_MS * NS_PER_MS;
    if (dev->cfg.retry_interval_ns == 0)
        dev->cfg.retry_interval_ns = VOCANA_RETRY_INTERVAL_MS * NS_PER_MS;
    if (dev->cfg.directions == 0)
        dev->cfg.directions = VOCANA_DIR_BOTH;
    atomic_init(&dev->gate, 0);
    atomic_init(&dev->dropped_detached_frames, 0);
    atomic_init(&dev->silence_detached_frames, 0);
    atomic_init(&dev->from_host_gap_frames, 0);
    atomic_init(&dev->read_latency, 0);
    atomic_init(&dev->burst, dev->cfg.burst_frames ? dev->cfg.burst_frames : dev->cfg.max_io_frames);
    dev->state = VOCANA_DEV_DETACHED;
    dev->attach_due = true;
    dev->last_error = VOCANA_E_NOT_READY;
    return VOCANA_OK;
}

/* Liveness of an attached region; 0 if alive, else the detach reason.
 * *moved tells whether the heartbeat changed since the last look. */
static int check_live(vocana_device *dev, uint64_t now_ns, bool *moved)
{
    struct vocana_region_header *h = header_of(dev);
    *moved = false;
    if (atomic_load_explicit(&h->magic, memory_order_acquire) != VOCANA_MAGIC)
        return VOCANA_E_HOST_GONE;
    if (atomic_load_explicit(&h->generation, memory_order_acquire) != dev->info.generation)
        return VOCANA_E_GENERATION_CHANGED;
    uint32_t flags = atomic_load_explicit(&h->host_flags, memory_order_acquire);
    if (!(flags & VOCANA_HOST_RUNNING) || (flags & VOCANA_HOST_SHUTDOWN))
        return VOCANA_E_HOST_STOPPED;
    uint64_t hb = atomic_load_explicit(&h->heartbeat, memory_order_relaxed);
    if (hb != dev->last_heartbeat) {
        dev->last_heartbeat = hb;
        dev->heartbeat_seen_ns = now_ns;
        *moved = true;
        return 0;
    }
    if (now_ns < dev->heartbeat_seen_ns) { /* clock went backwards: restart the wait */
        dev->heartbeat_seen_ns = now_ns;
        return 0;
    }
    if (now_ns - dev->heartbeat_seen_ns > dev->cfg.heartbeat_timeout_ns)
        return VOCANA_E_HEARTBEAT_STALE;
    return 0;
}

static void begin_detach(vocana_device *dev, int reason)
{
    atomic_fetch_and_explicit(&dev->gate, ~GATE_OPEN, memory_order_acq_rel);
    dev->last_error = reason;
    dev->state = VOCANA_DEV_DETACHING;
}

enum vocana_action vocana_device_tick(vocana_device *dev, uint64_t now_ns)
{
    if (!dev)
        return VOCANA_ACT_NONE;
    switch (dev->state) {
    case VOCANA_DEV_DETACHED:
        if (dev->attach_due || now_ns < dev->last_attempt_ns ||
            now_ns - dev->last_attempt_ns >= dev->cfg.retry_interval_ns) {
            dev->attach_due = false;
            dev->last_attempt_ns = now_ns;
            return VOCANA_ACT_ATTACH;
        }
        return VOCANA_ACT_NONE;
    case VOCANA_DEV_PROBING:
    case VOCANA_DEV_ACTIVE: {
        bool moved;
        int reason = check_live(dev, now_ns, &moved);
        if (reason) {
            begin_detach(dev, reason);
            return VOCANA_ACT_DETACH;
        }
        if (dev->state == VOCANA_DEV_PROBING && moved) {
            atomic_store_explicit(&header_of(dev)->device_flags, VOCANA_DEVICE_ATTACHED,
                                  memory_order_release);
            dev->state = VOCANA_DEV_ACTIVE;
            dev->last_error = VOCANA_OK;
            dev->attaches++;
            /* release: the ring views bound in attach become visible to an
             * IO thread whose fetch_add observes the open gate */
            atomic_fetch_or_explicit(&dev->gate, GATE_OPEN, memory_order_release);
        }
        return VOCANA_ACT_NONE;
    }
    case VOCANA_DEV_DETACHING:
    default:
        return VOCANA_ACT_DETACH;
    }
}

int vocana_device_attach(vocana_device *dev, void *base, size_t size, uint64_t now_ns)
{
    if (!dev || !base)
        return VOCANA_E_ARG;
    if (dev->state != VOCANA_DEV_DETACHED)
        return VOCANA_E_STATE;
    vocana_expect ex = {
        .device_id = dev->cfg.device_id,
        .sample_rate = dev->cfg.sample_rate,
        .channels = dev->cfg.channels,
        .max_io_frames = dev->cfg.max_io_frames,
        .abi_minor = VOCANA_ABI_MINOR,
    };
    vocana_region_info info;
    int rc = vocana_region_validate(base, size, &ex, &info);
    if (rc) {
        dev->last_error = rc;
        return rc;
    }
    struct vocana_region_header *h = base;
    float *d0 = (float *)((char *)base + vocana_ring_data_offset(info.capacity_frames, info.channels,
                                                                   VOCANA_RING_TO_HOST));
    float *d1 = (float *)((char *)base + vocana_ring_data_offset(info.capacity_frames, info.channels,
                                                                   VOCANA_RING_FROM_HOST));
    rc = VOCANA_OK;
    if (dev->cfg.directions & VOCANA_DIR_TO_HOST) {
        rc = vocana_ring_init(&dev->to_host, &h->to_host, d0, info.capacity_frames, info.channels,
                              VOCANA_PRODUCER);
        vocana_ring_set_clock(&dev->to_host, dev->cfg.clock,
                              atomic_load_explicit(&dev->burst, memory_order_relaxed));
    }
    if (rc == VOCANA_OK && (dev->cfg.directions & VOCANA_DIR_FROM_HOST)) {
        rc = vocana_ring_init(&dev->from_host, &h->from_host, d1, info.capacity_frames,
                              info.channels, VOCANA_CONSUMER);
        vocana_ring_set_clock(&dev->from_host, dev->cfg.clock, 0);
        if (rc == VOCANA_OK) /* what the host wrote before we attached is stale: start at "now" */
            vocana_ring_discard(&dev->from_host);
        dev->from_host_fresh = true;
    }
    if (rc) { /* cannot happen after validation; keep the state consistent anyway */
        dev->last_error = rc;
        return rc;
    }
    dev->info = info;
    dev->base = base;
    dev->size = size;
    dev->last_heartbeat = atomic_load_explicit(&h->heartbeat, memory_order_relaxed);
    dev->heartbeat_seen_ns = now_ns;
    dev->state = VOCANA_DEV_PROBING;
    return VOCANA_OK;
}

int vocana_device_detach(vocana_device *dev, void **base, size_t *size)
{
    if (!dev || !base || !size)
        return VOCANA_E_ARG;
    if (dev->state == VOCANA_DEV_DETACHED)
        return VOCANA_E_STATE;
    if (dev->state != VOCANA_DEV_DETACHING)
        begin_detach(dev, VOCANA_E_DETACHED);
    /* acquire: pairs with the IO threads' release on leaving, so all their
     * accesses to the region happen before we hand the mapping back */
    if ((atomic_load_explicit(&dev->gate, memory_order_acquire) & GATE_COUNT) != 0)
        return VOCANA_E_BUSY;
    atomic_store_explicit(&header_of(dev)->device_flags, 0, memory_order_release);
    *base = dev->base;
    *size = dev->size;
    dev->base = NULL;
    dev->size = 0;
    memset(&dev->to_host, 0, sizeof dev->to_host);
    memset(&dev->from_host, 0, sizeof dev->from_host);
    dev->state = VOCANA_DEV_DETACHED;
    dev->attach_due = true; /* a restarted host is probably there already */
    dev->detaches++;
    return VOCANA_OK;
}

static bool gate_enter(vocana_device *dev)
{
    uint32_t g = atomic_fetch_add_explicit(&dev->gate, 1, memory_order_acquire);
    if (g & GATE_OPEN)
        return true;
    atomic_fetch_sub_explicit(&dev->gate, 1, memory_order_release);
    return false;
}

static void gate_leave(vocana_device *dev)
{
    atomic_fetch_sub_explicit(&dev->gate, 1, memory_order_release);
}

uint32_t vocana_device_write(vocana_device *dev, const float *in, uint32_t frames)
{
    if (!(dev->cfg.directions & VOCANA_DIR_TO_HOST) || !gate_enter(dev)) {
        atomic_fetch_add_explicit(&dev->dropped_detached_frames, frames, memory_order_relaxed);
        return 0;
    }
    uint32_t n = vocana_ring_write(&dev->to_host, in, frames);
    if (vocana_ring_take_wake(&dev->to_host))
        dev->wake_word = &dev->to_host.ctl->wake_seq;
    gate_leave(dev);
    return n;
}

static uint32_t read_silence(vocana_device *dev, float *out, uint32_t frames)
{
    size_t total = (size_t)frames * dev->cfg.channels;
    for (size_t i = 0; i < total; i++)
        out[i] = 0.0f;
    atomic_fetch_add_explicit(&dev->silence_detached_frames, frames, memory_order_relaxed);
    return 0;
}

uint32_t vocana_device_read(vocana_device *dev, float *out, uint32_t frames)
{
    if (!(dev->cfg.directions & VOCANA_DIR_FROM_HOST) || !gate_enter(dev))
        return read_silence(dev, out, frames);
    uint32_t n = vocana_ring_read(&dev->from_host, out, frames);
    gate_leave(dev);
    return n;
}

uint32_t vocana_device_write_at(vocana_device *dev, const float *in, uint32_t frames, uint64_t t)
{
    if (!(dev->cfg.directions & VOCANA_DIR_TO_HOST) || !gate_enter(dev)) {
        atomic_fetch_add_explicit(&dev->dropped_detached_frames, frames, memory_order_relaxed);
        return 0;
    }
    uint32_t burst = atomic_load_explicit(&dev->burst, memory_order_relaxed);
    if (burst != dev->to_host.burst) /* vocana_device_set_burst: published with these frames */
        vocana_ring_set_burst(&dev->to_host, burst);
    uint32_t n = vocana_ring_write_at(&dev->to_host, in, frames, t);
    if (vocana_ring_take_wake(&dev->to_host))
        dev->wake_word = &dev->to_host.ctl->wake_seq;
    gate_leave(dev);
    return n;
}

static uint32_t clamp_quarter(uint64_t v, uint32_t capacity)
{
    uint32_t q = capacity / 4u;
    return v < q ? (uint32_t)v : q;
}

/* L of abi.h section 6, inside the gate.  Every term comes from shared
 * memory (untrusted) and is clamped to a quarter of the capacity. */
static uint32_t read_latency_inside(vocana_device *dev)
{
    struct vocana_region_header *h = header_of(dev);
    uint32_t cap = dev->info.capacity_frames;
    uint64_t margin = dev->info.margin_frames
                          ? dev->info.margin_frames
                          : ((uint64_t)dev->info.sample_rate * VOCANA_MARGIN_MS + 999u) / 1000u;
    uint32_t burst = atomic_load_explicit(&h->to_host.burst_frames, memory_order_relaxed);
    return clamp_quarter(burst, cap) + clamp_quarter(dev->info.block_frames, cap) +
           clamp_quarter(margin, cap);
}

uint32_t vocana_device_read_at(vocana_device *dev, float *out, uint32_t frames, uint64_t t)
{
    if (!(dev->cfg.directions & VOCANA_DIR_FROM_HOST) || !gate_enter(dev))
        return read_silence(dev, out, frames);
    uint32_t latency = read_latency_inside(dev);
    if (latency != atomic_load_explicit(&dev->read_latency, memory_order_relaxed)) {
        atomic_store_explicit(&dev->read_latency, latency, memory_order_relaxed);
        atomic_store_explicit(&header_of(dev)->from_host.read_latency_frames, latency,
                              memory_order_relaxed);
    }
    /* how far the "to host" producer (upstream of the host) has supplied audio: frames missing
     * before that are the host's lateness, frames after it are silence nobody played */
    struct vocana_region_header *h = header_of(dev);
    uint64_t supplied = UINT64_MAX;
    uint64_t in_wr = atomic_load_explicit(&h->to_host.write_pos, memory_order_acquire);
    if (atomic_load_explicit(&h->to_host.clock, memory_order_relaxed) == dev->cfg.clock &&
        dev->cfg.clock != VOCANA_CLOCK_NONE)
        supplied = in_wr + atomic_load_explicit(&h->to_host.time_base, memory_order_relaxed);
    uint64_t gap = 0;
    uint32_t n = vocana_ring_read_at(&dev->from_host, out, frames, t, latency, supplied, &gap,
                                     dev->from_host_fresh);
    dev->from_host_fresh = false;
    if (gap > 0)
        atomic_fetch_add_explicit(&dev->from_host_gap_frames, gap, memory_order_relaxed);
    gate_leave(dev);
    return n;
}

void vocana_device_set_burst(vocana_device *dev, uint32_t burst_frames)
{
    atomic_store_explicit(&dev->burst, burst_frames ? burst_frames : dev->cfg.max_io_frames,
                          memory_order_relaxed);
}

void vocana_device_restart_read(vocana_device *dev)
{
    dev->from_host_fresh = true;
}

uint32_t vocana_device_read_latency(vocana_device *dev)
{
    if (!gate_enter(dev))
        return 0;
    uint32_t v = read_latency_inside(dev);
    gate_leave(dev);
    return v;
}

uint64_t vocana_frames_of_ns(uint64_t ns, uint32_t rate)
{
    /* split so that nothing overflows: (s * 1e9 + r) * rate / 1e9 */
    uint64_t s = ns / UINT64_C(1000000000), r = ns % UINT64_C(1000000000);
    return s * rate + r * rate / UINT64_C(1000000000);
}

uint32_t vocana_device_host_latency(vocana_device *dev)
{
    if (!gate_enter(dev))
        return 0;
    uint32_t v = atomic_load_explicit(&header_of(dev)->latency_frames, memory_order_acquire);
    uint32_t cap = dev->info.capacity_frames;
    gate_leave(dev);
    return v < cap ? v : cap; /* untrusted: never more than the ring can hold */
}

uint32_t vocana_device_host_rate(const vocana_device *dev)
{
    /* ACTIVE only: a crashed host's leftover region (probed, never live) has no say */
    return dev && dev->state == VOCANA_DEV_ACTIVE ? dev->info.sample_rate : 0;
}

enum vocana_dev_state vocana_device_state(const vocana_device *dev)
{
    return (enum vocana_dev_state)dev->state;
}

int vocana_device_last_error(const vocana_device *dev)
{
    return dev->last_error;
}

void vocana_device_get_stats(const vocana_device *dev, vocana_device_stats *st)
{
    memset(st, 0, sizeof *st);
    if (dev->base) {
        const struct vocana_region_header *h = header_of(dev);
        st->to_host_overruns = atomic_load_explicit(&h->to_host.overruns, memory_order_relaxed);
        st->to_host_overrun_frames =
            atomic_load_explicit(&h->to_host.overrun_frames, memory_order_relaxed);
        st->to_host_faults = atomic_load_explicit(&h->to_host.producer_faults, memory_order_relaxed);
        st->from_host_underruns =
            atomic_load_explicit(&h->from_host.underruns, memory_order_relaxed);
        st->from_host_underrun_frames =
            atomic_load_explicit(&h->from_host.underrun_frames, memory_order_relaxed);
        st->from_host_faults =
            atomic_load_explicit(&h->from_host.consumer_faults, memory_order_relaxed);
        st->from_host_late_frames =
            atomic_load_explicit(&h->from_host.late_frames, memory_order_relaxed);
    }
    st->dropped_detached_frames =
        atomic_load_explicit(&dev->dropped_detached_frames, memory_order_relaxed);
    st->silence_detached_frames =
        atomic_load_explicit(&dev->silence_detached_frames, memory_order_relaxed);
    st->from_host_gap_frames = atomic_load_explicit(&dev->from_host_gap_frames, memory_order_relaxed);
    st->read_latency_frames = atomic_load_explicit(&dev->read_latency, memory_order_relaxed);
    st->attaches = dev->attaches;
    st->detaches = dev->detaches;
}
