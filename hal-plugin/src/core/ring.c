/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Single-producer / single-consumer ring over shared memory.
 * Every function here is [IO]: bounded, lock-free, no allocation, no
 * system call.  The peer's position is untrusted: it is only ever used as a
 * distance that is checked against the capacity, and every index is masked,
 * so no value in shared memory can make us touch memory outside the ring or
 * copy more than the caller's buffer holds.
 */
#include <string.h>

#include "vocana/core.h"

/* Counters have a single writer (the side that owns the line), so a
 * relaxed load + store is enough; no read-modify-write needed. */
static inline void count(_Atomic uint64_t *c, uint64_t by)
{
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed);
    atomic_store_explicit(c, v + by, memory_order_relaxed);
}

int vocana_ring_init(vocana_ring *r, struct vocana_ring_ctl *ctl, float *data,
                     uint32_t capacity, uint32_t channels, enum vocana_ring_role role)
{
    if (!r || !ctl || !data)
        return VOCANA_E_ARG;
    if (capacity == 0 || capacity > VOCANA_CAPACITY_MAX || (capacity & (capacity - 1u)) != 0)
        return VOCANA_E_CAPACITY;
    if (channels < VOCANA_CHANNELS_MIN || channels > VOCANA_CHANNELS_MAX)
        return VOCANA_E_CHANNELS;
    if (role != VOCANA_PRODUCER && role != VOCANA_CONSUMER)
        return VOCANA_E_ARG;
    r->ctl = ctl;
    r->data = data;
    r->capacity = capacity;
    r->mask = capacity - 1u;
    r->channels = channels;
    r->role = (uint32_t)role;
    r->clock = VOCANA_CLOCK_NONE;
    r->burst = 0;
    r->time_base = 0;
    r->published = UINT32_MAX;
    r->wake = false;
    r->pos = role == VOCANA_PRODUCER
                 ? atomic_load_explicit(&ctl->write_pos, memory_order_acquire)
                 : atomic_load_explicit(&ctl->read_pos, memory_order_acquire);
    return VOCANA_OK;
}

void vocana_ring_set_clock(vocana_ring *r, uint32_t clock, uint32_t burst_frames)
{
    if (!r)
        return;
    r->clock = clock;
    r->burst = burst_frames;
    r->published = UINT32_MAX; /* publish again with the next write */
}

void vocana_ring_set_burst(vocana_ring *r, uint32_t burst_frames)
{
    if (!r)
        return;
    r->burst = burst_frames;
    /* a clock already published: the new burst is stored at once, before the write_pos release
     * of the next frames; queued frames keep their stamps, so unlike a new clock or time_base it
     * needs no empty ring */
    if (r->published != UINT32_MAX && r->published != VOCANA_CLOCK_NONE && r->ctl)
        atomic_store_explicit(&r->ctl->burst_frames, burst_frames, memory_order_relaxed);
}

/* Producer: the clock (and burst) the next frames count in, stored only
 * when it changes; relaxed, because the write_pos store that publishes the
 * frames is a release. */
static bool publish_clock(vocana_ring *r, uint32_t clock)
{
    if (r->published == clock)
        return false;
    atomic_store_explicit(&r->ctl->burst_frames, clock == VOCANA_CLOCK_NONE ? 0u : r->burst,
                          memory_order_relaxed);
    atomic_store_explicit(&r->ctl->clock, clock, memory_order_relaxed);
    r->published = clock;
    return true;
}

/* Producer: free frames.  An implausible consumer position (the consumer
 * "ahead" of us, or more than a capacity behind) is counted and our own
 * position resynchronised to it, which leaves the ring empty. */
static uint32_t producer_space(vocana_ring *r)
{
    uint64_t rd = atomic_load_explicit(&r->ctl->read_pos, memory_order_acquire);
    uint64_t used = r->pos - rd;
    if (used > r->capacity) {
        count(&r->ctl->producer_faults, 1);
        r->pos = rd;
        atomic_store_explicit(&r->ctl->write_pos, r->pos, memory_order_release);
        return r->capacity;
    }
    return r->capacity - (uint32_t)used;
}

/* Consumer: readable frames, same resynchronisation on nonsense. */
static uint32_t consumer_avail(vocana_ring *r)
{
    uint64_t wr = atomic_load_explicit(&r->ctl->write_pos, memory_order_acquire);
    uint64_t avail = wr - r->pos;
    if (avail > r->capacity) {
        count(&r->ctl->consumer_faults, 1);
        r->pos = wr;
        atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
        return 0;
    }
    return (uint32_t)avail;
}

uint32_t vocana_ring_write_space(vocana_ring *r)
{
    return producer_space(r);
}

uint32_t vocana_ring_read_avail(vocana_ring *r)
{
    return consumer_avail(r);
}

static uint32_t ring_write(vocana_ring *r, const float *src, uint32_t frames, uint32_t space);

uint32_t vocana_ring_write(vocana_ring *r, const float *src, uint32_t frames)
{
    if (frames == 0)
        return 0;
    uint32_t space = producer_space(r);
    if (space > 0)
        publish_clock(r, VOCANA_CLOCK_NONE);
    return ring_write(r, src, frames, space);
}

uint32_t vocana_ring_write_at(vocana_ring *r, const float *src, uint32_t frames, uint64_t t)
{
    if (frames == 0)
        return 0;
    uint32_t space = producer_space(r);
    uint64_t base = t - r->pos;
    bool changes = r->published != r->clock || base != r->time_base;
    if (changes && space < r->capacity) {
        /* abi.h section 6: a new time_base is published only into an empty ring, or the frames
         * still queued would be read by it, at the wrong time; until the consumer has drained
         * them these frames are dropped, and counted as an overrun */
        count(&r->ctl->overruns, 1);
        count(&r->ctl->overrun_frames, frames);
        return 0;
    }
    if (changes) {
        publish_clock(r, r->clock);
        atomic_store_explicit(&r->ctl->time_base, base, memory_order_relaxed);
        r->time_base = base;
    }
    return ring_write(r, src, frames, space);
}

static uint32_t ring_write(vocana_ring *r, const float *src, uint32_t frames, uint32_t space)
{
    uint32_t n = frames < space ? frames : space;
    if (n > 0) {
        const size_t ch = r->channels;
        uint32_t idx = (uint32_t)(r->pos & r->mask);
        uint32_t first = r->capacity - idx;
        if (first > n)
            first = n;
        memcpy(r->data + (size_t)idx * ch, src, (size_t)first * ch * sizeof(float));
        if (n > first)
            memcpy(r->data, src + (size_t)first * ch, (size_t)(n - first) * ch * sizeof(float));
        r->pos += n;
        /* release: the frames above become visible before the position */
        atomic_store_explicit(&r->ctl->write_pos, r->pos, memory_order_release);
        /* abi.h section 7: a consumer that sleeps stored waiting, then re-checked write_pos; the
         * fence orders our write_pos store before the load of waiting (a store-load pair), so
         * one of the two sides sees the other */
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&r->ctl->waiting, memory_order_relaxed) != 0) {
            atomic_fetch_add_explicit(&r->ctl->wake_seq, 1u, memory_order_release);
            r->wake = true;
        }
    }
    if (n < frames) {
        count(&r->ctl->overruns, 1);
        count(&r->ctl->overrun_frames, (uint64_t)(frames - n));
    }
    return n;
}

/* Consumer: copies min(frames, avail) frames out and publishes read_pos; no counting. */
static uint32_t copy_out(vocana_ring *r, float *dst, uint32_t frames, uint32_t avail)
{
    const size_t ch = r->channels;
    uint32_t n = frames < avail ? frames : avail;
    if (n > 0) {
        uint32_t idx = (uint32_t)(r->pos & r->mask);
        uint32_t first = r->capacity - idx;
        if (first > n)
            first = n;
        memcpy(dst, r->data + (size_t)idx * ch, (size_t)first * ch * sizeof(float));
        if (n > first)
            memcpy(dst + (size_t)first * ch, r->data, (size_t)(n - first) * ch * sizeof(float));
        r->pos += n;
        /* release: our reads of the frames complete before the producer
         * may reuse their slots */
        atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
    }
    return n;
}

uint32_t vocana_ring_read(vocana_ring *r, float *dst, uint32_t frames)
{
    if (frames == 0)
        return 0;
    const size_t ch = r->channels;
    uint32_t n = copy_out(r, dst, frames, consumer_avail(r));
    if (n < frames) {
        size_t missing = (size_t)(frames - n) * ch;
        for (size_t i = 0; i < missing; i++)
            dst[(size_t)n * ch + i] = 0.0f;
        count(&r->ctl->underruns, 1);
        count(&r->ctl->underrun_frames, (uint64_t)(frames - n));
    }
    return n;
}

uint32_t vocana_ring_read_at(vocana_ring *r, float *dst, uint32_t frames, uint64_t t,
                             uint32_t latency, uint64_t supplied, uint64_t *gap_frames,
                             bool fresh)
{
    if (frames == 0)
        return 0;
    uint32_t avail = consumer_avail(r); /* acquire: the stamps below are at least this new */
    uint32_t clock = atomic_load_explicit(&r->ctl->clock, memory_order_relaxed);
    if (clock == VOCANA_CLOCK_NONE && avail == 0 && r->clock != VOCANA_CLOCK_NONE) {
        /* a timed reader before the producer's first frame: silence, not an underrun */
        memset(dst, 0, (size_t)frames * r->channels * sizeof(float));
        if (gap_frames)
            *gap_frames += frames;
        return 0;
    }
    if (clock == VOCANA_CLOCK_NONE || clock != r->clock)
        return vocana_ring_read(r, dst, frames); /* no common clock: a FIFO */
    if ((uint64_t)avail > (uint64_t)latency + r->capacity / 4u) {
        /* a backlog no timed reader keeps: the ring filled while we did not consume (stopped,
         * or waiting on frames stamped with a newer time_base than their own, which a producer
         * that drops on a full ring makes, so the wait would last for good); those frames are
         * stale and their stamps unreliable: all go (counted late), and the next frames are
         * read at L again */
        r->pos += avail;
        atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
        if (!fresh)
            count(&r->ctl->late_frames, avail);
        avail = 0;
    }
    uint64_t base = atomic_load_explicit(&r->ctl->time_base, memory_order_relaxed);
    uint64_t want_time = t - latency;          /* device time of the first frame wanted */
    uint64_t target = want_time - base;        /* ...and its ring position */
    int64_t d = (int64_t)(target - r->pos);
    const size_t ch = r->channels;
    uint64_t gap = 0;
    uint32_t done = 0;
    if (d > 0) {
        /* late: their time has passed; skip what of them is here */
        uint32_t k = (uint64_t)d < avail ? (uint32_t)d : avail;
        if (k > 0) {
            r->pos += k;
            atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
            if (!fresh) /* a stream's first read catches up: not lateness */
                count(&r->ctl->late_frames, k);
            avail -= k;
        }
        if ((uint64_t)d > k) /* the wanted frames lie beyond what was written: none is here */
            avail = 0;
    } else if (d < 0) {
        /* the producer has nothing for the first -d frames: silence */
        uint64_t g = (uint64_t)0 - (uint64_t)d;
        done = g < frames ? (uint32_t)g : frames;
        memset(dst, 0, (size_t)done * ch * sizeof(float));
        gap += done;
    }
    uint32_t got = copy_out(r, dst + (size_t)done * ch, frames - done, avail);
    uint32_t missing = frames - done - got;
    if (missing > 0) {
        memset(dst + (size_t)(done + got) * ch, 0, (size_t)missing * ch * sizeof(float));
        /* frames upstream had supplied (their time is before `supplied`) but the host did not
         * deliver in time are an underrun; frames nobody supplied are a gap */
        uint64_t x0 = want_time + done + got;
        int64_t behind = (int64_t)(supplied - x0);
        uint32_t late = behind <= 0 ? 0 : (uint64_t)behind < missing ? (uint32_t)behind : missing;
        if (fresh) /* a stream's first read: nothing was due to it yet, so nothing is missing */
            late = 0;
        if (late > 0) {
            count(&r->ctl->underruns, 1);
            count(&r->ctl->underrun_frames, late);
        }
        gap += missing - late;
    }
    if (gap_frames)
        *gap_frames += gap;
    return got;
}

bool vocana_ring_take_wake(vocana_ring *r)
{
    bool w = r->wake;
    r->wake = false;
    return w;
}

uint32_t vocana_ring_skip(vocana_ring *r, uint32_t frames)
{
    if (!r || !r->ctl || r->role != VOCANA_CONSUMER || frames == 0)
        return 0;
    uint32_t n = vocana_ring_read_avail(r);
    if (n > frames)
        n = frames;
    r->pos += n;
    atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
    return n;
}

uint32_t vocana_ring_discard(vocana_ring *r)
{
    if (!r || !r->ctl || r->role != VOCANA_CONSUMER)
        return 0;
    uint32_t n = vocana_ring_read_avail(r); /* resynchronises an implausible write_pos */
    r->pos += n;
    atomic_store_explicit(&r->ctl->read_pos, r->pos, memory_order_release);
    return n;
}
