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
    r->pos = role == VOCANA_PRODUCER
                 ? atomic_load_explicit(&ctl->write_pos, memory_order_acquire)
                 : atomic_load_explicit(&ctl->read_pos, memory_order_acquire);
    return VOCANA_OK;
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

uint32_t vocana_ring_write(vocana_ring *r, const float *src, uint32_t frames)
{
    if (frames == 0)
        return 0;
    uint32_t space = producer_space(r);
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
    }
    if (n < frames) {
        count(&r->ctl->overruns, 1);
        count(&r->ctl->overrun_frames, (uint64_t)(frames - n));
    }
    return n;
}

uint32_t vocana_ring_read(vocana_ring *r, float *dst, uint32_t frames)
{
    if (frames == 0)
        return 0;
    const size_t ch = r->channels;
    uint32_t avail = consumer_avail(r);
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
    if (n < frames) {
        size_t missing = (size_t)(frames - n) * ch;
        for (size_t i = 0; i < missing; i++)
            dst[(size_t)n * ch + i] = 0.0f;
        count(&r->ctl->underruns, 1);
        count(&r->ctl->underrun_frames, (uint64_t)(frames - n));
    }
    return n;
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
