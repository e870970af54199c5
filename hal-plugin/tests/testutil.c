/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tu_region tu_region_new(const char *id, uint32_t rate, uint32_t channels, uint32_t capacity,
                        uint64_t generation, uint64_t start_pos)
{
    tu_region r;
    r.size = (size_t)vocana_region_size(capacity, channels);
    size_t alloc = (r.size + VOCANA_REGION_ALIGN - 1) / VOCANA_REGION_ALIGN * VOCANA_REGION_ALIGN;
    r.base = aligned_alloc(VOCANA_REGION_ALIGN, alloc);
    if (!r.base) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    memset(r.base, 0, alloc);
    vocana_region_params p = {
        .device_id = id,
        .name = "Test Device",
        .generation = generation,
        .start_pos = start_pos,
        .sample_rate = rate,
        .channels = channels,
        .capacity_frames = capacity,
    };
    int rc = vocana_region_format(r.base, r.size, &p);
    if (rc) {
        fprintf(stderr, "tu_region_new: %s\n", vocana_strerror(rc));
        abort();
    }
    r.h = r.base;
    return r;
}

void tu_region_free(tu_region *r)
{
    free(r->base);
    r->base = NULL;
    r->h = NULL;
}

void tu_heartbeat(tu_region *r)
{
    atomic_fetch_add_explicit(&r->h->heartbeat, 1, memory_order_release);
}

float *tu_ring_data(tu_region *r, unsigned which)
{
    return (float *)((char *)r->base +
                     vocana_ring_data_offset(r->h->capacity_frames, r->h->channels, which));
}
