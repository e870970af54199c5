/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef VOCANA_TESTUTIL_H
#define VOCANA_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "vocana/core.h"

/* A formatted region in 128-aligned heap memory (free with tu_region_free). */
typedef struct tu_region {
    void *base;
    size_t size;
    struct vocana_region_header *h;
} tu_region;

/* Allocate and format; aborts on failure (test bug). */
tu_region tu_region_new(const char *id, uint32_t rate, uint32_t channels, uint32_t capacity,
                        uint64_t generation, uint64_t start_pos);
void tu_region_free(tu_region *r);

/* Host-side helpers. */
void tu_heartbeat(tu_region *r);
float *tu_ring_data(tu_region *r, unsigned which);

/* xorshift64* */
static inline uint64_t tu_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

#endif
