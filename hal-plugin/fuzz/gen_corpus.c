/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writes the seed corpus for fuzz_region into the directory argv[1]
 * (`make corpus`; the files are committed under fuzz/corpus/).  Each seed
 * is a small region (capacity 256) that is valid or broken in one way; the
 * valid ones carry an operation script in the first 64 bytes of their
 * "from host" ring data (see fuzz_region.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vocana/core.h"

#define CAP 256u

typedef void (*mutator)(struct vocana_region_header *h, size_t *size);

static void none(struct vocana_region_header *h, size_t *size) { (void)h; (void)size; }
static void magic_wrong(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->magic, UINT64_C(0x5241474E41434F56)); }
static void magic_zero(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->magic, 0); }
static void magic_swapped(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->magic, __builtin_bswap64(VOCANA_MAGIC)); }
static void version_2(struct vocana_region_header *h, size_t *s) { (void)s; h->abi_major = 2; }
static void header_size_bad(struct vocana_region_header *h, size_t *s) { (void)s; h->header_size = 4096; }
static void capacity_npot(struct vocana_region_header *h, size_t *s) { (void)s; h->capacity_frames = 300; }
static void capacity_huge(struct vocana_region_header *h, size_t *s) { (void)s; h->capacity_frames = 1u << 30; }
static void capacity_double(struct vocana_region_header *h, size_t *s) { (void)s; h->capacity_frames = CAP * 2; }
static void region_size_big(struct vocana_region_header *h, size_t *s) { (void)s; h->region_size = UINT64_MAX; }
static void rate_zero(struct vocana_region_header *h, size_t *s) { (void)s; h->sample_rate = 0; }
static void channels_33(struct vocana_region_header *h, size_t *s) { (void)s; h->channels = 33; }
static void channels_zero(struct vocana_region_header *h, size_t *s) { (void)s; h->channels = 0; }
static void id_unterminated(struct vocana_region_header *h, size_t *s) { (void)s; memset(h->device_id, 'a', sizeof h->device_id); }
static void id_slash(struct vocana_region_header *h, size_t *s) { (void)s; memcpy(h->device_id, "../x", 5); }
static void name_unterminated(struct vocana_region_header *h, size_t *s) { (void)s; memset(h->name, 'N', sizeof h->name); }
static void name_control(struct vocana_region_header *h, size_t *s) { (void)s; h->name[2] = '\033'; }
static void generation_zero(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->generation, 0); }
static void flags_unknown(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->host_flags, 0xFFu); }
static void host_stopped(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->host_flags, VOCANA_HOST_SHUTDOWN); }
static void consumer_ahead(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->to_host.read_pos, atomic_load(&h->to_host.write_pos) + 1); }
static void producer_far(struct vocana_region_header *h, size_t *s) { (void)s; atomic_store(&h->from_host.write_pos, atomic_load(&h->from_host.read_pos) + CAP + 1); }
static void positions_huge(struct vocana_region_header *h, size_t *s)
{
    (void)s;
    atomic_store(&h->to_host.write_pos, UINT64_MAX);
    atomic_store(&h->to_host.read_pos, UINT64_MAX - 100);
    atomic_store(&h->from_host.write_pos, (UINT64_C(1) << 63) + 5);
    atomic_store(&h->from_host.read_pos, (UINT64_C(1) << 63) - 5);
}
static void truncated(struct vocana_region_header *h, size_t *s) { (void)h; *s = VOCANA_HEADER_SIZE - 24; }
static void header_only(struct vocana_region_header *h, size_t *s) { (void)h; *s = VOCANA_HEADER_SIZE; }

/* scripts: (op, arg) pairs, see fuzz_region.c */
static const uint8_t script_basic[] = {6, 1, 0, 0x10, 1, 0x08, 2, 0x20, 3, 0x30, 4, 0, 0, 0x85,
                                       3, 0x85, 1, 0x7F, 2, 0xFF, 3, 0xFF, 6, 0x03};
static const uint8_t script_hostile[] = {6, 1, 0, 0x20, 5, 0x03, 0, 0x20, 5, 0x06, 3, 0x40,
                                         5, 0x05, 1, 0x40, 5, 0x01, 2, 0x10, 9, 0x30, 7, 0x05,
                                         6, 0x01, 8, 0, 6, 0x01, 0, 0x10, 7, 0x02, 6, 0x01,
                                         7, 0x06, 8, 0, 6, 0xFF, 6, 0xFF, 3, 0x20};
static const uint8_t script_restart[] = {6, 1, 0, 0x40, 7, 0x01, 6, 0x01, 3, 0x10, 8, 0,
                                         6, 0x01, 0, 0x40, 7, 0x0B, 6, 0x01, 7, 0x04, 6, 0x01,
                                         8, 0, 6, 0x01, 6, 0x01, 2, 0x40, 3, 0x40, 6, 0xC9};

static int emit(const char *dir, const char *name, uint32_t channels, mutator m,
                const uint8_t *script, size_t script_len, uint64_t start_pos)
{
    size_t size = (size_t)vocana_region_size(CAP, channels);
    void *base = NULL;
    if (posix_memalign(&base, VOCANA_REGION_ALIGN, size) != 0)
        return 1;
    memset(base, 0, size);
    vocana_region_params p = {.device_id = "mic0", .name = "Seed Mic", .generation = 0x5EED,
                              .start_pos = start_pos, .sample_rate = 48000,
                              .channels = channels, .capacity_frames = CAP};
    if (vocana_region_format(base, size, &p) != VOCANA_OK)
        return 1;
    struct vocana_region_header *h = base;
    atomic_store(&h->heartbeat, 1);
    if (script)
        memcpy((char *)base + vocana_ring_data_offset(CAP, channels, VOCANA_RING_FROM_HOST),
               script, script_len);
    m(h, &size);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(base, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    free(base);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *d = argv[1];
    int e = 0;
    e |= emit(d, "valid-mono", 1, none, script_basic, sizeof script_basic, 0);
    e |= emit(d, "valid-stereo-hostile", 2, none, script_hostile, sizeof script_hostile, 1000);
    e |= emit(d, "valid-restart", 1, none, script_restart, sizeof script_restart, 0);
    e |= emit(d, "valid-huge-positions", 1, positions_huge, script_hostile, sizeof script_hostile, 0);
    e |= emit(d, "valid-near-wrap", 2, none, script_basic, sizeof script_basic, UINT64_MAX - 300);
    e |= emit(d, "magic-wrong", 1, magic_wrong, NULL, 0, 0);
    e |= emit(d, "magic-zero", 1, magic_zero, NULL, 0, 0);
    e |= emit(d, "magic-byteswapped", 1, magic_swapped, NULL, 0, 0);
    e |= emit(d, "version-2", 1, version_2, NULL, 0, 0);
    e |= emit(d, "header-size-4096", 1, header_size_bad, NULL, 0, 0);
    e |= emit(d, "capacity-300", 1, capacity_npot, NULL, 0, 0);
    e |= emit(d, "capacity-2p30", 1, capacity_huge, NULL, 0, 0);
    e |= emit(d, "capacity-layout-mismatch", 1, capacity_double, NULL, 0, 0);
    e |= emit(d, "region-size-max", 1, region_size_big, NULL, 0, 0);
    e |= emit(d, "rate-zero", 1, rate_zero, NULL, 0, 0);
    e |= emit(d, "channels-33", 1, channels_33, NULL, 0, 0);
    e |= emit(d, "channels-zero", 1, channels_zero, NULL, 0, 0);
    e |= emit(d, "id-unterminated", 1, id_unterminated, NULL, 0, 0);
    e |= emit(d, "id-slash", 1, id_slash, NULL, 0, 0);
    e |= emit(d, "name-unterminated", 1, name_unterminated, NULL, 0, 0);
    e |= emit(d, "name-control-char", 1, name_control, NULL, 0, 0);
    e |= emit(d, "generation-zero", 1, generation_zero, NULL, 0, 0);
    e |= emit(d, "flags-unknown", 1, flags_unknown, NULL, 0, 0);
    e |= emit(d, "host-stopped", 1, host_stopped, NULL, 0, 0);
    e |= emit(d, "positions-consumer-ahead", 1, consumer_ahead, NULL, 0, 0);
    e |= emit(d, "positions-producer-too-far", 1, producer_far, NULL, 0, 0);
    e |= emit(d, "truncated-header", 1, truncated, NULL, 0, 0);
    e |= emit(d, "header-only", 1, header_only, NULL, 0, 0);
    return e;
}
