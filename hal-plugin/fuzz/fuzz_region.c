/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the input bytes ARE a region (as if mmap'ed from a
 * hostile host's file).  They are validated; if accepted, a device context
 * attaches to them and a script of ring operations, ticks and tampering
 * runs against them.  The script is taken from the first 64 bytes of the
 * "from host" ring data (bytes a host fully controls and the device would
 * otherwise only copy), so the whole input is still exactly one region.
 *
 * Script: pairs of bytes (op, arg).  op % 10:
 *   0 device writes arg*k frames      5 tamper a position with a 64-bit value
 *   1 host reads arg*k frames         6 tick (time += arg ms), act on it
 *   2 host writes arg*k frames        7 tamper heartbeat/generation/magic/flags
 *   3 device reads arg*k frames       8 device detach + re-attach
 *   4 write/read space queries        9 ring ops on views created afresh
 * Every loop is bounded by the script length: no hang is possible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vocana/core.h"

#define MAX_FRAMES 4096u
#define SCRIPT_BYTES 64u

static float io_buf[MAX_FRAMES * VOCANA_CHANNELS_MAX];

static uint64_t take64(const uint8_t *s, size_t n, size_t at)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = (v << 8) | s[(at + i) % n];
    return v;
}

static uint32_t frames_of(uint8_t arg)
{
    /* mostly small, sometimes large */
    uint32_t f = arg & 0x7Fu;
    return (arg & 0x80u) ? f * 32u : f;
}

static void run_script(void *base, size_t size, const vocana_region_info *info)
{
    struct vocana_region_header *h = base;
    uint8_t script[SCRIPT_BYTES];
    const uint8_t *d1 = (const uint8_t *)base +
                        vocana_ring_data_offset(info->capacity_frames, info->channels,
                                                VOCANA_RING_FROM_HOST);
    memcpy(script, d1, sizeof script);

    vocana_device dev;
    vocana_device_config cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.device_id, info->device_id, sizeof cfg.device_id);
    cfg.channels = info->channels;
    cfg.sample_rate = (script[0] & 1) ? info->sample_rate : 0;
    cfg.max_io_frames = info->capacity_frames / 2 < VOCANA_IO_FRAMES_MAX
                            ? info->capacity_frames / 2
                            : VOCANA_IO_FRAMES_MAX;
    cfg.heartbeat_timeout_ns = 100000000u;
    cfg.clock = (script[0] & 2) ? VOCANA_CLOCK_MONOTONIC : VOCANA_CLOCK_NONE;
    if (vocana_device_init(&dev, &cfg) != VOCANA_OK)
        __builtin_trap();
    uint64_t now = 1000000000u;
    if (vocana_device_tick(&dev, now) != VOCANA_ACT_ATTACH)
        __builtin_trap();
    /* validation passed with the same expectations: attach must agree */
    if (vocana_device_attach(&dev, base, size, now) != VOCANA_OK)
        __builtin_trap();

    float *d0f = (float *)((char *)base + vocana_ring_data_offset(info->capacity_frames,
                                                                  info->channels,
                                                                  VOCANA_RING_TO_HOST));
    float *d1f = (float *)((char *)base + vocana_ring_data_offset(info->capacity_frames,
                                                                  info->channels,
                                                                  VOCANA_RING_FROM_HOST));
    vocana_ring hin, hout;
    if (vocana_ring_init(&hin, &h->to_host, d0f, info->capacity_frames, info->channels,
                         VOCANA_CONSUMER) ||
        vocana_ring_init(&hout, &h->from_host, d1f, info->capacity_frames, info->channels,
                         VOCANA_PRODUCER))
        __builtin_trap();
    const uint32_t ch = info->channels;

    for (size_t i = 0; i + 1 < SCRIPT_BYTES; i += 2) {
        uint8_t op = script[i], arg = script[i + 1];
        uint32_t n = frames_of(arg);
        uint32_t got;
        switch (op % 10) {
        case 0:
            got = (arg & 0x40u) ? vocana_device_write_at(&dev, io_buf, n, take64(script, sizeof script, i + 2))
                                : vocana_device_write(&dev, io_buf, n);
            if (got > n)
                __builtin_trap();
            break;
        case 1:
            got = vocana_ring_read(&hin, io_buf, n);
            if (got > n || got > info->capacity_frames)
                __builtin_trap();
            break;
        case 2:
            got = vocana_ring_write(&hout, io_buf, n);
            if (got > n)
                __builtin_trap();
            break;
        case 3:
            /* timed or FIFO read; hostile stamps in shared memory (case 5 scribbles positions,
             * the corpus' bytes the stamps) must never make it return more or write further */
            got = (arg & 0x40u) ? vocana_device_read_at(&dev, io_buf, n, take64(script, sizeof script, i + 2))
                                : vocana_device_read(&dev, io_buf, n);
            if (got > n)
                __builtin_trap();
            /* the silence part must really be silence: after the data for a FIFO read; for a
             * timed read it may come first (a gap), so only the count is bounded */
            if (arg & 0x40u) {
                size_t nonzero = 0;
                for (size_t k = 0; k < (size_t)n * ch; k++)
                    nonzero += io_buf[k] != 0.0f;
                if (nonzero > (size_t)got * ch)
                    __builtin_trap();
            } else {
                for (size_t k = (size_t)got * ch; k < (size_t)n * ch; k++)
                    if (io_buf[k] != 0.0f)
                        __builtin_trap();
            }
            break;
        case 4:
            if (vocana_ring_write_space(&hout) > info->capacity_frames ||
                vocana_ring_read_avail(&hin) > info->capacity_frames)
                __builtin_trap();
            break;
        case 5: {
            uint64_t v = take64(script, sizeof script, i + 2);
            if (arg & 1)
                v = atomic_load(&h->to_host.write_pos) + (uint64_t)(int8_t)arg;
            _Atomic uint64_t *targets[4] = {&h->to_host.write_pos, &h->to_host.read_pos,
                                            &h->from_host.write_pos, &h->from_host.read_pos};
            atomic_store(targets[(arg >> 1) & 3], v);
            break;
        }
        case 6: {
            now += (uint64_t)arg * 1000000u;
            if (arg & 1)
                atomic_fetch_add(&h->heartbeat, 1);
            enum vocana_action a = vocana_device_tick(&dev, now);
            if (a == VOCANA_ACT_DETACH) {
                void *b;
                size_t s;
                if (vocana_device_detach(&dev, &b, &s) != VOCANA_OK || b != base || s != size)
                    __builtin_trap();
            } else if (a == VOCANA_ACT_ATTACH) {
                (void)vocana_device_attach(&dev, base, size, now); /* may be refused now */
            }
            break;
        }
        case 7:
            switch (arg & 3) {
            case 0: atomic_fetch_add(&h->heartbeat, 1); break;
            case 1: atomic_fetch_add(&h->generation, arg >> 2); break;
            case 2: atomic_store(&h->magic, (arg & 4) ? VOCANA_MAGIC : 0); break;
            default: atomic_store(&h->host_flags, arg >> 2); break;
            }
            break;
        case 8: {
            void *b;
            size_t s;
            int rc = vocana_device_detach(&dev, &b, &s);
            if (rc != VOCANA_OK && rc != VOCANA_E_STATE)
                __builtin_trap();
            (void)vocana_device_attach(&dev, base, size, now);
            break;
        }
        default: {
            vocana_ring a, b;
            if (vocana_ring_init(&a, &h->to_host, d0f, info->capacity_frames, ch,
                                 VOCANA_CONSUMER) == VOCANA_OK &&
                vocana_ring_init(&b, &h->from_host, d1f, info->capacity_frames, ch,
                                 VOCANA_PRODUCER) == VOCANA_OK) {
                if (vocana_ring_read(&a, io_buf, n) > n || vocana_ring_write(&b, io_buf, n) > n)
                    __builtin_trap();
            }
            break;
        }
        }
    }
    vocana_device_stats st;
    vocana_device_get_stats(&dev, &st);
    if (vocana_device_state(&dev) != VOCANA_DEV_DETACHED) {
        void *b;
        size_t s;
        if (vocana_device_detach(&dev, &b, &s) != VOCANA_OK)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    /* exactly `size` bytes at an aligned address, like a mapping, so ASan
     * reports any access past the end */
    void *base = NULL;
    if (posix_memalign(&base, VOCANA_REGION_ALIGN, size ? size : 1) != 0)
        return 0;
    if (size)
        memcpy(base, data, size);

    vocana_region_info info;
    /* the device side's own expectations (its ABI minor included), so attach must agree */
    vocana_expect ex = {.abi_minor = VOCANA_ABI_MINOR};
    int rc = vocana_region_validate(base, size, &ex, &info);
    const char *msg = vocana_strerror(rc);
    if (!msg || !msg[0])
        __builtin_trap();
    if (rc == VOCANA_OK) {
        if (info.region_size != size || info.capacity_frames < VOCANA_CAPACITY_MIN ||
            (info.capacity_frames & (info.capacity_frames - 1)) ||
            info.channels < VOCANA_CHANNELS_MIN || info.channels > VOCANA_CHANNELS_MAX)
            __builtin_trap();
        run_script(base, size, &info);
    }
    /* a second look at a misaligned copy must be refused, never read */
    if (size >= 8) {
        vocana_region_info i2;
        if (vocana_region_validate((char *)base + 8, size - 8, NULL, &i2) != VOCANA_E_MISALIGNED)
            __builtin_trap();
    }
    free(base);
    return 0;
}
