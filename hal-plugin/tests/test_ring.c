/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ring tests: exactness, wrap-around at huge positions, full/empty
 * behaviour and counters, hostile positions, capacity derivation. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

/* A standalone ring: control block + data allocated exactly (so ASan sees
 * any access outside it). */
typedef struct tring {
    struct vocana_ring_ctl *ctl;
    float *data;
    vocana_ring prod, cons;
} tring;

static tring tring_new(uint32_t cap, uint32_t ch, uint64_t start)
{
    tring t;
    t.ctl = aligned_alloc(VOCANA_LINE, sizeof *t.ctl);
    memset(t.ctl, 0, sizeof *t.ctl);
    atomic_store(&t.ctl->write_pos, start);
    atomic_store(&t.ctl->read_pos, start);
    t.data = malloc((size_t)cap * ch * sizeof(float));
    CHECK_RC(vocana_ring_init(&t.prod, t.ctl, t.data, cap, ch, VOCANA_PRODUCER), VOCANA_OK);
    CHECK_RC(vocana_ring_init(&t.cons, t.ctl, t.data, cap, ch, VOCANA_CONSUMER), VOCANA_OK);
    return t;
}

static void tring_free(tring *t)
{
    free(t->ctl);
    free(t->data);
}

/* sample value for frame k, channel c: exact in float */
static float val(uint64_t k, uint32_t c)
{
    return (float)((k % 1000003u) * 8u + c);
}

static void fill(float *buf, uint64_t k0, uint32_t n, uint32_t ch)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t c = 0; c < ch; c++)
            buf[(size_t)i * ch + c] = val(k0 + i, c);
}

static int verify(const float *buf, uint64_t k0, uint32_t n, uint32_t ch)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t c = 0; c < ch; c++)
            if (buf[(size_t)i * ch + c] != val(k0 + i, c))
                return 0;
    return 1;
}

static int all_zero(const float *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != 0.0f)
            return 0;
    return 1;
}

/* Push `total` frames through in pseudo-random chunks, checking every frame. */
static void roundtrip(uint32_t cap, uint32_t ch, uint64_t start, uint64_t total, uint64_t seed)
{
    tring t = tring_new(cap, ch, start);
    float *in = malloc((size_t)(cap + 7) * ch * sizeof(float));
    float *out = malloc((size_t)(cap + 7) * ch * sizeof(float));
    uint64_t wk = 0, rk = 0;
    int bad = 0;
    while (rk < total && !bad) {
        uint32_t want = (uint32_t)(tu_rand(&seed) % (cap + 7)) + 1;
        uint32_t space = vocana_ring_write_space(&t.prod);
        uint32_t n = want < space ? want : space;
        if (wk + n > total)
            n = (uint32_t)(total - wk);
        fill(in, wk, n, ch);
        uint32_t w = vocana_ring_write(&t.prod, in, n);
        if (w != n)
            bad = 1;
        wk += w;
        want = (uint32_t)(tu_rand(&seed) % (cap + 7)) + 1;
        uint32_t avail = vocana_ring_read_avail(&t.cons);
        n = want < avail ? want : avail;
        uint32_t r = vocana_ring_read(&t.cons, out, n);
        if (r != n || !verify(out, rk, r, ch))
            bad = 1;
        rk += r;
    }
    CHECK(!bad);
    CHECK_EQ(rk, total);
    CHECK_EQ(atomic_load(&t.ctl->write_pos), start + total);
    CHECK_EQ(atomic_load(&t.ctl->read_pos), start + total);
    CHECK_EQ(atomic_load(&t.ctl->overruns), 0);
    CHECK_EQ(atomic_load(&t.ctl->underruns), 0);
    CHECK_EQ(atomic_load(&t.ctl->producer_faults), 0);
    CHECK_EQ(atomic_load(&t.ctl->consumer_faults), 0);
    free(in);
    free(out);
    tring_free(&t);
}

static void test_ring_exact_roundtrip(void)
{
    roundtrip(8, 1, 0, 10000, 1);
    roundtrip(256, 2, 0, 100000, 2);
    roundtrip(1024, 7, 12345, 100000, 3);
    roundtrip(VOCANA_CAPACITY_MIN, VOCANA_CHANNELS_MAX, 0, 5000, 4);
}

static void test_ring_wrap_near_2_63(void)
{
    const uint64_t b = UINT64_C(1) << 63;
    roundtrip(8, 2, b - 5, 1000, 5);
    roundtrip(16, 1, b - 1, 1000, 6);
    roundtrip(1024, 2, b - 1000, 50000, 7);
}

static void test_ring_wrap_past_2_64(void)
{
    /* positions themselves wrap to 0 halfway: only differences matter */
    roundtrip(8, 1, UINT64_MAX - 3, 1000, 8);
    roundtrip(4096, 2, UINT64_MAX - 5000, 60000, 9);
}

static void test_ring_masked_index_exact(void)
{
    /* one frame at a time across the boundary: the slot of position p is p & mask */
    tring t = tring_new(8, 1, UINT64_MAX - 2);
    for (uint64_t i = 0; i < 20; i++) {
        float v = (float)i;
        CHECK_EQ(vocana_ring_write(&t.prod, &v, 1), 1);
        uint64_t p = UINT64_MAX - 2 + i;
        CHECK(t.data[p & 7] == v);
        float o = -1;
        CHECK_EQ(vocana_ring_read(&t.cons, &o, 1), 1);
        CHECK(o == v);
    }
    tring_free(&t);
}

static void test_ring_discard_drops_what_is_queued(void)
{
    tring t = tring_new(16, 2, UINT64_MAX - 4);
    float in[10 * 2], out[4 * 2];
    fill(in, 0, 10, 2);
    CHECK_EQ(vocana_ring_write(&t.prod, in, 10), 10);
    CHECK_EQ(vocana_ring_discard(&t.prod), 0); /* producers cannot discard */
    CHECK_EQ(vocana_ring_discard(&t.cons), 10);
    CHECK_EQ(vocana_ring_read_avail(&t.cons), 0);
    CHECK_EQ(vocana_ring_write_space(&t.prod), 16);
    CHECK_EQ(vocana_ring_write(&t.prod, in + 2 * 2, 4), 4);
    CHECK_EQ(vocana_ring_read(&t.cons, out, 4), 4);
    CHECK(out[0] == in[4] && out[7] == in[11]);
    CHECK_EQ(atomic_load(&t.ctl->underruns), 0);
    tring_free(&t);
}

static void test_ring_full_overrun(void)
{
    const uint32_t cap = 16, ch = 2;
    tring t = tring_new(cap, ch, UINT64_C(1) << 62);
    float in[40 * 2], out[40 * 2];
    fill(in, 0, 40, ch);
    CHECK_EQ(vocana_ring_write_space(&t.prod), cap);
    CHECK_EQ(vocana_ring_write(&t.prod, in, 10), 10);
    CHECK_EQ(vocana_ring_write(&t.prod, in + 10 * ch, 9), 6); /* drop the newest 3 */
    CHECK_EQ(atomic_load(&t.ctl->overruns), 1);
    CHECK_EQ(atomic_load(&t.ctl->overrun_frames), 3);
    CHECK_EQ(vocana_ring_write_space(&t.prod), 0);
    CHECK_EQ(vocana_ring_write(&t.prod, in, 5), 0);
    CHECK_EQ(atomic_load(&t.ctl->overruns), 2);
    CHECK_EQ(atomic_load(&t.ctl->overrun_frames), 8);
    /* the ring holds exactly frames 0..15 in order, nothing newer */
    CHECK_EQ(vocana_ring_read_avail(&t.cons), cap);
    CHECK_EQ(vocana_ring_read(&t.cons, out, cap), cap);
    CHECK(verify(out, 0, cap, ch));
    CHECK_EQ(atomic_load(&t.ctl->underruns), 0);
    /* zero-frame calls count nothing */
    CHECK_EQ(vocana_ring_write(&t.prod, in, 0), 0);
    CHECK_EQ(atomic_load(&t.ctl->overruns), 2);
    CHECK_EQ(atomic_load(&t.ctl->producer_faults), 0);
    tring_free(&t);
}

static void test_ring_empty_underrun(void)
{
    const uint32_t cap = 16, ch = 3;
    tring t = tring_new(cap, ch, 7);
    float in[16 * 3], out[20 * 3];
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        out[i] = 42.0f;
    CHECK_EQ(vocana_ring_read_avail(&t.cons), 0);
    CHECK_EQ(vocana_ring_read(&t.cons, out, 20), 0);
    CHECK(all_zero(out, 20 * ch));
    CHECK_EQ(atomic_load(&t.ctl->underruns), 1);
    CHECK_EQ(atomic_load(&t.ctl->underrun_frames), 20);
    /* partial: 5 real frames then silence */
    fill(in, 100, 5, ch);
    CHECK_EQ(vocana_ring_write(&t.prod, in, 5), 5);
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        out[i] = 42.0f;
    CHECK_EQ(vocana_ring_read(&t.cons, out, 12), 5);
    CHECK(verify(out, 100, 5, ch));
    CHECK(all_zero(out + 5 * ch, 7 * ch));
    CHECK(out[12 * ch] == 42.0f); /* nothing written past the request */
    CHECK_EQ(atomic_load(&t.ctl->underruns), 2);
    CHECK_EQ(atomic_load(&t.ctl->underrun_frames), 27);
    CHECK_EQ(vocana_ring_read(&t.cons, out, 0), 0);
    CHECK_EQ(atomic_load(&t.ctl->underruns), 2);
    CHECK_EQ(atomic_load(&t.ctl->consumer_faults), 0);
    tring_free(&t);
}

static void test_ring_consumer_ahead(void)
{
    /* hostile consumer publishes a read position ahead of the producer */
    tring t = tring_new(16, 1, 1000);
    float in[16] = {0}, out[16];
    CHECK_EQ(vocana_ring_write(&t.prod, in, 4), 4);
    atomic_store(&t.ctl->read_pos, 1000 + 4 + 3);
    CHECK_EQ(vocana_ring_write(&t.prod, in, 16), 16); /* resynchronised, then full space */
    CHECK_EQ(atomic_load(&t.ctl->producer_faults), 1);
    CHECK_EQ(atomic_load(&t.ctl->write_pos), 1000 + 7 + 16);
    /* consumer view still at 1000: now "more than capacity behind" */
    uint32_t r = vocana_ring_read(&t.cons, out, 8);
    CHECK_EQ(r, 0);
    CHECK_EQ(atomic_load(&t.ctl->consumer_faults), 1);
    CHECK_EQ(atomic_load(&t.ctl->read_pos), 1000 + 7 + 16);
    tring_free(&t);
}

static void test_ring_producer_too_far(void)
{
    /* hostile producer claims more than a capacity of data */
    tring t = tring_new(32, 2, 0);
    float out[64 * 2];
    atomic_store(&t.ctl->write_pos, 33);
    CHECK_EQ(vocana_ring_read_avail(&t.cons), 0);
    CHECK_EQ(atomic_load(&t.ctl->consumer_faults), 1);
    CHECK_EQ(vocana_ring_read(&t.cons, out, 64), 0);
    CHECK(all_zero(out, 64 * 2));
    /* producer "behind" the consumer: write_pos = read_pos - 1 */
    atomic_store(&t.ctl->write_pos, 32);
    CHECK_EQ(vocana_ring_read(&t.cons, out, 4), 0);
    CHECK_EQ(atomic_load(&t.ctl->consumer_faults), 2);
    CHECK_EQ(atomic_load(&t.ctl->read_pos), 32);
    tring_free(&t);
}

static void test_ring_hostile_random(void)
{
    /* a peer scribbling random positions must never push us out of the
     * ring or the caller's buffer (ASan watches both) */
    const uint32_t cap = 64, ch = 2;
    tring t = tring_new(cap, ch, 0);
    float *in = malloc(200 * ch * sizeof(float));
    float *out = malloc(200 * ch * sizeof(float));
    fill(in, 0, 200, ch);
    uint64_t s = 99;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = tu_rand(&s);
        uint64_t base = atomic_load(&t.ctl->write_pos);
        uint64_t v;
        switch (r & 3) {
        case 0: v = tu_rand(&s); break;
        case 1: v = base + (tu_rand(&s) % (4 * cap)) - 2 * cap; break;
        case 2: v = base - cap - 1; break;
        default: v = base; break;
        }
        if (r & 4)
            atomic_store(&t.ctl->read_pos, v);
        else
            atomic_store(&t.ctl->write_pos, v);
        uint32_t n = (uint32_t)(tu_rand(&s) % 200);
        CHECK(vocana_ring_write(&t.prod, in, n) <= (n < cap ? n : cap));
        n = (uint32_t)(tu_rand(&s) % 200);
        CHECK(vocana_ring_read(&t.cons, out, n) <= (n < cap ? n : cap));
        CHECK(vocana_ring_write_space(&t.prod) <= cap);
        CHECK(vocana_ring_read_avail(&t.cons) <= cap);
    }
    CHECK(atomic_load(&t.ctl->producer_faults) > 0);
    CHECK(atomic_load(&t.ctl->consumer_faults) > 0);
    free(in);
    free(out);
    tring_free(&t);
}

static void test_ring_init_errors(void)
{
    struct vocana_ring_ctl ctl;
    memset(&ctl, 0, sizeof ctl);
    float d[64];
    vocana_ring r;
    CHECK_RC(vocana_ring_init(NULL, &ctl, d, 8, 1, VOCANA_PRODUCER), VOCANA_E_ARG);
    CHECK_RC(vocana_ring_init(&r, NULL, d, 8, 1, VOCANA_PRODUCER), VOCANA_E_ARG);
    CHECK_RC(vocana_ring_init(&r, &ctl, NULL, 8, 1, VOCANA_PRODUCER), VOCANA_E_ARG);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 0, 1, VOCANA_PRODUCER), VOCANA_E_CAPACITY);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 12, 1, VOCANA_PRODUCER), VOCANA_E_CAPACITY);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, VOCANA_CAPACITY_MAX * 2, 1, VOCANA_PRODUCER),
             VOCANA_E_CAPACITY);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 8, 0, VOCANA_PRODUCER), VOCANA_E_CHANNELS);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 8, 33, VOCANA_PRODUCER), VOCANA_E_CHANNELS);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 8, 1, (enum vocana_ring_role)7), VOCANA_E_ARG);
    atomic_store(&ctl.write_pos, 77);
    atomic_store(&ctl.read_pos, 70);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 8, 1, VOCANA_PRODUCER), VOCANA_OK);
    CHECK_EQ(r.pos, 77);
    CHECK_RC(vocana_ring_init(&r, &ctl, d, 8, 1, VOCANA_CONSUMER), VOCANA_OK);
    CHECK_EQ(r.pos, 70);
    CHECK_EQ(vocana_ring_read_avail(&r), 7);
}

static void test_capacity_192k_4096(void)
{
    uint32_t cap = vocana_capacity_for(192000, 4096);
    CHECK_EQ(cap, 131072);
    /* the documented margin: four IO buffers plus 500 ms */
    CHECK(cap >= 4u * 4096u + 96000u);
    CHECK(cap >= 16u * 4096u);
    CHECK((uint64_t)cap * 1000u / 192000u >= 680u); /* >= 680 ms of audio */
    CHECK_EQ(cap & (cap - 1), 0);
    CHECK(vocana_region_size(cap, VOCANA_CHANNELS_MAX) <= VOCANA_REGION_MAX);
}

static void test_capacity_table(void)
{
    CHECK_EQ(vocana_capacity_for(48000, 128), 32768);
    CHECK_EQ(vocana_capacity_for(48000, 512), 32768);
    CHECK_EQ(vocana_capacity_for(48000, 4096), 65536);
    CHECK_EQ(vocana_capacity_for(44100, 1024), 32768);
    CHECK_EQ(vocana_capacity_for(8000, 1), 4096);
    CHECK_EQ(vocana_capacity_for(384000, 16384), 262144);
    CHECK_EQ(vocana_capacity_for(7999, 512), 0);
    CHECK_EQ(vocana_capacity_for(384001, 512), 0);
    CHECK_EQ(vocana_capacity_for(48000, 0), 0);
    CHECK_EQ(vocana_capacity_for(48000, VOCANA_IO_FRAMES_MAX + 1), 0);
    /* every valid input: power of two, in bounds, covers the need, monotonic */
    static const uint32_t rates[] = {8000, 16000, 22050, 44100, 48000, 88200, 96000,
                                     176400, 192000, 352800, 384000};
    int bad = 0;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        uint32_t prev = 0;
        for (uint32_t io = 1; io <= VOCANA_IO_FRAMES_MAX; io = io * 2 + (io & 1)) {
            uint32_t c = vocana_capacity_for(rates[i], io);
            uint64_t need = 4ull * io + (rates[i] * 500ull + 999) / 1000;
            if (c < VOCANA_CAPACITY_MIN || c > VOCANA_CAPACITY_MAX || (c & (c - 1)) ||
                c < need || c >= 2 * need + VOCANA_CAPACITY_MIN || c < prev ||
                c < 2 * io)
                bad++;
            prev = c;
        }
    }
    CHECK_EQ(bad, 0);
}

const th_test ring_tests[] = {
    {"ring_exact_roundtrip", test_ring_exact_roundtrip},
    {"ring_wrap_near_2^63", test_ring_wrap_near_2_63},
    {"ring_wrap_past_2^64", test_ring_wrap_past_2_64},
    {"ring_masked_index_exact", test_ring_masked_index_exact},
    {"ring_discard_drops_what_is_queued", test_ring_discard_drops_what_is_queued},
    {"ring_full_overrun_counters", test_ring_full_overrun},
    {"ring_empty_underrun_counters", test_ring_empty_underrun},
    {"ring_consumer_ahead_clamped", test_ring_consumer_ahead},
    {"ring_producer_too_far_clamped", test_ring_producer_too_far},
    {"ring_hostile_random_positions", test_ring_hostile_random},
    {"ring_init_errors", test_ring_init_errors},
    {"capacity_192k_4096_margin", test_capacity_192k_4096},
    {"capacity_table_and_bounds", test_capacity_table},
};
const size_t ring_tests_n = sizeof ring_tests / sizeof ring_tests[0];
