/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the HAL model's property dispatch: random object IDs,
 * selectors (mostly real ones), scopes, elements, qualifier and data sizes and
 * bytes go through has/settable/size/get/set on a two-device model, with the
 * data buffer sized exactly as claimed so that ASan catches any access past
 * it.  Also drives the clock (starts, stops, time stamps) with random
 * arguments, and (inputs starting with '[' or '#') the configuration parser:
 * whatever it accepts, vocana_hal_init must accept too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vocana/hal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint32_t take32(reader *r) {
    uint32_t v = 0;
    size_t k = r->n < 4 ? r->n : 4;
    memcpy(&v, r->p, k);
    r->p += k;
    r->n -= k;
    return v;
}

static uint64_t take64(reader *r) {
    uint64_t lo = take32(r);
    return lo | (uint64_t)take32(r) << 32;
}

static const uint32_t SCOPES[] = {VOCANA_SCOPE_GLOBAL, VOCANA_SCOPE_INPUT, VOCANA_SCOPE_OUTPUT,
                                  VOCANA_SCOPE_PLAYTHROUGH};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const vocana_hal_device_config devs[2] = {
        {.name = "Vocana", .uid = "org.vocana.device.vocana", .channels = 2, .sample_rate = 48000, .period = 16384},
        {.name = "Mic", .uid = "mic", .channels = 1, .sample_rate = 44100, .period = 4096},
    };
    vocana_hal *hal = malloc(sizeof *hal);
    if (hal == NULL) {
        abort();
    }
    if (size > 0 && (data[0] == '[' || data[0] == '#')) {
        vocana_hal_config *cfg = malloc(sizeof *cfg);
        char *text = malloc(size); /* exactly sized: no terminator to lean on */
        char why[96];
        if (cfg == NULL || text == NULL) {
            abort();
        }
        memcpy(text, data, size);
        if (vocana_hal_parse_config(text, size, cfg, why, sizeof why) == VOCANA_HAL_NO_ERROR) {
            const char *reason = NULL;
            if (cfg->count < 1 || cfg->count > VOCANA_HAL_MAX_DEVICES
                || vocana_hal_init(hal, cfg->devices, cfg->count, &reason) != VOCANA_HAL_NO_ERROR) {
                abort(); /* the parser let through what the model refuses */
            }
        } else if (memchr(why, '\0', sizeof why) == NULL || why[0] == '\0') {
            abort(); /* a refusal always says why, in one terminated line */
        }
        free(text);
        free(cfg);
        free(hal);
        return 0;
    }
    if (vocana_hal_init(hal, devs, 2, NULL) != VOCANA_HAL_NO_ERROR) {
        abort();
    }
    reader r = {data, size};
    while (r.n >= 8) {
        uint32_t op = take32(&r);
        uint32_t object = (op & 0x80) ? take32(&r) : 1 + (op >> 8) % 40; /* mostly real IDs */
        vocana_hal_address a;
        a.selector = (op & 0x40) ? take32(&r) : vocana_hal_selectors[(op >> 16) % VOCANA_HAL_SELECTOR_COUNT];
        a.scope = (op & 0x20) ? take32(&r) : SCOPES[(op >> 24) % 4];
        a.element = (op & 0x10) ? take32(&r) % 3 : 0;
        uint32_t qsize = (op & 0x08) ? take32(&r) % 64 : 0;
        uint32_t dsize = take32(&r) % 400;
        /* exactly-sized heap copies of the qualifier and data: ASan sees any overrun */
        uint8_t *q = qsize ? malloc(qsize) : NULL;
        uint8_t *d = malloc(dsize ? dsize : 1);
        for (uint32_t i = 0; i < qsize; i++) {
            q[i] = r.n ? (r.n--, *r.p++) : 0;
        }
        for (uint32_t i = 0; i < dsize; i++) {
            d[i] = r.n ? (r.n--, *r.p++) : 0;
        }
        bool settable;
        uint32_t out_size = 0;
        (void)vocana_hal_has_property(hal, object, &a);
        (void)vocana_hal_is_settable(hal, object, &a, &settable);
        if (vocana_hal_get_size(hal, object, &a, qsize, q, &out_size) == VOCANA_HAL_NO_ERROR && out_size > 4096) {
            abort(); /* no property is that large */
        }
        switch (op & 0x3) {
        case 0:
        case 1:
            if (vocana_hal_get(hal, object, &a, qsize, q, dsize, &out_size, d) == VOCANA_HAL_NO_ERROR
                && out_size > dsize) {
                abort(); /* claims more than it was given room for */
            }
            break;
        case 2: {
            vocana_hal_changes ch;
            (void)vocana_hal_set(hal, object, &a, qsize, q, dsize, d, &ch);
            if (ch.count > 4) {
                abort();
            }
            break;
        }
        default: {
            uint32_t dev = take32(&r) % 3;
            switch (take32(&r) % 4) {
            case 0: (void)vocana_hal_start_io(hal, dev, take64(&r)); break;
            case 1: (void)vocana_hal_stop_io(hal, dev); break;
            case 2: (void)vocana_hal_perform_change(hal, dev); break;
            default: {
                vocana_hal_timestamp t;
                (void)vocana_hal_device_zero_timestamp(hal, dev, take64(&r), (double)(take32(&r) % 100000000), &t);
                break;
            }
            }
            break;
        }
        }
        free(q);
        free(d);
    }
    free(hal);
    return 0;
}
