/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Region validation (device side) and the reference formatting (host side).
 * Validation reads the shared header exactly once into a private copy and
 * checks only the copy, so a header that changes while we look cannot make
 * us accept something we did not check (magic and generation are re-read at
 * the end to detect such a change).
 */
#include <string.h>

#include "internal.h"

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1u)) == 0;
}

static bool id_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* Checks a (possibly unterminated) id field of VOCANA_DEVICE_ID_SIZE bytes. */
static bool id_field_valid(const char *f)
{
    size_t n = 0;
    while (n < VOCANA_DEVICE_ID_SIZE && f[n] != '\0') {
        if (!id_char_ok(f[n]))
            return false;
        n++;
    }
    return n >= 1 && n < VOCANA_DEVICE_ID_SIZE && f[0] != '.';
}

bool vocana_device_id_valid(const char *id)
{
    if (!id)
        return false;
    char buf[VOCANA_DEVICE_ID_SIZE];
    size_t n = 0;
    while (n < VOCANA_DEVICE_ID_SIZE && id[n] != '\0') {
        buf[n] = id[n];
        n++;
    }
    if (n >= VOCANA_DEVICE_ID_SIZE)
        return false;
    buf[n] = '\0';
    return id_field_valid(buf);
}

/* Name: NUL within the field, no ASCII control characters before it (the
 * name reaches user interfaces and logs).  Bytes >= 0x80 are UTF-8 and
 * passed through. */
static bool name_field_valid(const char *f)
{
    for (size_t i = 0; i < VOCANA_NAME_SIZE; i++) {
        unsigned char c = (unsigned char)f[i];
        if (c == '\0')
            return true;
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return false;
}

/* The ring may be live (its peers move both positions while this runs), so one reading of each
 * proves nothing: read_pos, then write_pos, then read_pos again.  At every instant r <= w <= r +
 * capacity, and both only grow, so a sound ring gives r1 <= w and w <= r2 + capacity whatever moves
 * in between; a quiet ring (r1 == r2) is judged exactly as before. */
static int positions_plausible(const struct vocana_ring_ctl *ctl, uint32_t capacity)
{
    uint64_t r1 = atomic_load_explicit(&ctl->read_pos, memory_order_acquire);
    uint64_t w = atomic_load_explicit(&ctl->write_pos, memory_order_acquire);
    uint64_t r2 = atomic_load_explicit(&ctl->read_pos, memory_order_acquire);
    int64_t ahead = (int64_t)(w - r1);  /* >= 0: the consumer was never ahead */
    int64_t filled = (int64_t)(w - r2); /* <= capacity: never more than a ring full */
    return ahead >= 0 && filled <= (int64_t)capacity;
}

int vocana_region_validate(const void *base, size_t size,
                           const vocana_expect *expect, vocana_region_info *info)
{
    return vocana_region_validate_hooked(base, size, expect, info, NULL, NULL);
}

int vocana_region_validate_hooked(const void *base, size_t size, const vocana_expect *expect,
                                  vocana_region_info *info, void (*between)(void *), void *arg)
{
    if (!base || !info)
        return VOCANA_E_ARG;
    if ((uintptr_t)base % VOCANA_REGION_ALIGN != 0)
        return VOCANA_E_MISALIGNED;
    if (size < VOCANA_HEADER_SIZE)
        return VOCANA_E_TOO_SMALL;

    /* The region is shared and writable by the peer; we only read it here.
     * Casting away const for the atomic loads is fine: loads do not write. */
    struct vocana_region_header *h = (struct vocana_region_header *)(uintptr_t)base;

    uint64_t magic = atomic_load_explicit(&h->magic, memory_order_acquire);
    if (magic == 0)
        return VOCANA_E_NOT_READY;
    if (magic != VOCANA_MAGIC)
        return VOCANA_E_BAD_MAGIC;
    uint64_t generation = atomic_load_explicit(&h->generation, memory_order_acquire);

    /* private copy of everything we are going to trust */
    uint32_t abi_major = h->abi_major;
    uint32_t abi_minor = h->abi_minor;
    uint32_t header_size = h->header_size;
    uint64_t region_size = h->region_size;
    uint32_t rate = h->sample_rate;
    uint32_t channels = h->channels;
    uint32_t capacity = h->capacity_frames;
    uint32_t flags = atomic_load_explicit(&h->host_flags, memory_order_acquire);
    /* minor 1 fields; a minor-0 region has zeros here, and zeros mean "none" */
    uint32_t block_frames = abi_minor >= 1 ? h->block_frames : 0;
    uint32_t margin_frames = abi_minor >= 1 ? h->margin_frames : 0;
    char id[VOCANA_DEVICE_ID_SIZE];
    char name[VOCANA_NAME_SIZE];
    memcpy(id, h->device_id, sizeof id);
    memcpy(name, h->name, sizeof name);

    if (abi_major != VOCANA_ABI_MAJOR)
        return VOCANA_E_VERSION;
    if (expect && abi_minor < expect->abi_minor)
        return VOCANA_E_VERSION_OLD;
    if (header_size != VOCANA_HEADER_SIZE)
        return VOCANA_E_HEADER_SIZE;
    if (region_size != (uint64_t)size)
        return VOCANA_E_REGION_SIZE;
    if (rate < VOCANA_RATE_MIN || rate > VOCANA_RATE_MAX)
        return VOCANA_E_RATE;
    if (channels < VOCANA_CHANNELS_MIN || channels > VOCANA_CHANNELS_MAX)
        return VOCANA_E_CHANNELS;
    if (!is_pow2(capacity) || capacity < VOCANA_CAPACITY_MIN || capacity > VOCANA_CAPACITY_MAX)
        return VOCANA_E_CAPACITY;
    /* all factors are bounded above, so this cannot overflow */
    if (region_size != vocana_region_size(capacity, channels))
        return VOCANA_E_LAYOUT;
    if (!id_field_valid(id))
        return VOCANA_E_DEVICE_ID;
    if (!name_field_valid(name))
        return VOCANA_E_NAME;
    if (generation == 0)
        return VOCANA_E_GENERATION;
    if ((flags & ~VOCANA_HOST_FLAGS_KNOWN) != 0)
        return VOCANA_E_FLAGS;
    if (!(flags & VOCANA_HOST_RUNNING) || (flags & VOCANA_HOST_SHUTDOWN))
        return VOCANA_E_HOST_STOPPED;
    if (!positions_plausible(&h->to_host, capacity) ||
        !positions_plausible(&h->from_host, capacity))
        return VOCANA_E_POSITIONS;

    if (expect) {
        if (expect->device_id && strcmp(expect->device_id, id) != 0)
            return VOCANA_E_ID_MISMATCH;
        if ((expect->sample_rate && expect->sample_rate != rate) ||
            (expect->channels && expect->channels != channels))
            return VOCANA_E_FORMAT_MISMATCH;
        if (expect->max_io_frames && (uint64_t)capacity < 2u * (uint64_t)expect->max_io_frames)
            return VOCANA_E_CAPACITY_TOO_SMALL;
    }

    if (between)
        between(arg);
    /* did the host withdraw or re-initialise the region meanwhile? */
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&h->magic, memory_order_acquire) != VOCANA_MAGIC ||
        atomic_load_explicit(&h->generation, memory_order_acquire) != generation)
        return VOCANA_E_CHANGED;

    info->region_size = region_size;
    info->generation = generation;
    info->ring_bytes = vocana_ring_bytes(capacity, channels);
    info->sample_rate = rate;
    info->channels = channels;
    info->capacity_frames = capacity;
    info->host_flags = flags;
    info->abi_minor = abi_minor;
    /* untrusted sizes: only used clamped (see vocana_device_read_latency) */
    info->block_frames = block_frames;
    info->margin_frames = margin_frames;
    memcpy(info->device_id, id, sizeof id);
    memcpy(info->name, name, sizeof name);
    return VOCANA_OK;
}

int vocana_region_format(void *base, size_t size, const vocana_region_params *p)
{
    if (!base || !p || !p->device_id || (uintptr_t)base % VOCANA_REGION_ALIGN != 0)
        return VOCANA_E_ARG;
    if (!vocana_device_id_valid(p->device_id))
        return VOCANA_E_DEVICE_ID;
    const char *name = p->name ? p->name : "";
    size_t name_len = strlen(name);
    if (name_len >= VOCANA_NAME_SIZE)
        return VOCANA_E_NAME;
    for (size_t i = 0; i < name_len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return VOCANA_E_NAME;
    }
    if (p->sample_rate < VOCANA_RATE_MIN || p->sample_rate > VOCANA_RATE_MAX)
        return VOCANA_E_RATE;
    if (p->channels < VOCANA_CHANNELS_MIN || p->channels > VOCANA_CHANNELS_MAX)
        return VOCANA_E_CHANNELS;
    if (!is_pow2(p->capacity_frames) || p->capacity_frames < VOCANA_CAPACITY_MIN ||
        p->capacity_frames > VOCANA_CAPACITY_MAX)
        return VOCANA_E_CAPACITY;
    if (p->generation == 0)
        return VOCANA_E_GENERATION;
    uint64_t need = vocana_region_size(p->capacity_frames, p->channels);
    if ((uint64_t)size != need)
        return VOCANA_E_REGION_SIZE;

    struct vocana_region_header *h = base;
    /* 1. withdraw (a re-used region), 2. fill everything, 3. publish */
    atomic_store_explicit(&h->magic, 0, memory_order_release);
    atomic_thread_fence(memory_order_release);
    h->abi_major = VOCANA_ABI_MAJOR;
    h->abi_minor = VOCANA_ABI_MINOR;
    h->header_size = VOCANA_HEADER_SIZE;
    h->region_size = need;
    h->sample_rate = p->sample_rate;
    h->channels = p->channels;
    h->capacity_frames = p->capacity_frames;
    h->reserved0 = 0;
    memset(h->device_id, 0, sizeof h->device_id);
    memcpy(h->device_id, p->device_id, strlen(p->device_id));
    memset(h->name, 0, sizeof h->name);
    memcpy(h->name, name, name_len);
    memset(h->reserved1, 0, sizeof h->reserved1);
    atomic_store_explicit(&h->heartbeat, 0, memory_order_relaxed);
    atomic_store_explicit(&h->latency_frames, 0, memory_order_relaxed);
    h->block_frames = p->block_frames;
    h->margin_frames = p->margin_frames;
    memset(h->host_pad, 0, sizeof h->host_pad);
    atomic_store_explicit(&h->device_flags, 0, memory_order_relaxed);
    memset(h->device_pad, 0, sizeof h->device_pad);
    struct vocana_ring_ctl *rings[2] = {&h->to_host, &h->from_host};
    for (int i = 0; i < 2; i++) {
        struct vocana_ring_ctl *c = rings[i];
        atomic_store_explicit(&c->write_pos, p->start_pos, memory_order_relaxed);
        atomic_store_explicit(&c->overruns, 0, memory_order_relaxed);
        atomic_store_explicit(&c->overrun_frames, 0, memory_order_relaxed);
        atomic_store_explicit(&c->producer_faults, 0, memory_order_relaxed);
        atomic_store_explicit(&c->time_base, 0, memory_order_relaxed);
        atomic_store_explicit(&c->clock, VOCANA_CLOCK_NONE, memory_order_relaxed);
        atomic_store_explicit(&c->burst_frames, 0, memory_order_relaxed);
        atomic_store_explicit(&c->wake_seq, 0, memory_order_relaxed);
        memset(c->producer_pad, 0, sizeof c->producer_pad);
        atomic_store_explicit(&c->read_pos, p->start_pos, memory_order_relaxed);
        atomic_store_explicit(&c->underruns, 0, memory_order_relaxed);
        atomic_store_explicit(&c->underrun_frames, 0, memory_order_relaxed);
        atomic_store_explicit(&c->consumer_faults, 0, memory_order_relaxed);
        atomic_store_explicit(&c->late_frames, 0, memory_order_relaxed);
        atomic_store_explicit(&c->read_latency_frames, 0, memory_order_relaxed);
        atomic_store_explicit(&c->waiting, 0, memory_order_relaxed);
        memset(c->consumer_pad, 0, sizeof c->consumer_pad);
    }
    memset((char *)base + VOCANA_HEADER_SIZE, 0, (size_t)(need - VOCANA_HEADER_SIZE));
    atomic_store_explicit(&h->generation, p->generation, memory_order_relaxed);
    atomic_store_explicit(&h->host_flags, VOCANA_HOST_RUNNING, memory_order_relaxed);
    atomic_store_explicit(&h->magic, VOCANA_MAGIC, memory_order_release);
    return VOCANA_OK;
}
