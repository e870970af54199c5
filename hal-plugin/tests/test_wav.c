/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator's WAV parser, decoder and float writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sim/sim.h"
#include "harness.h"

/* ---- a small WAV builder ------------------------------------------------ */
typedef struct wavb {
    uint8_t b[8192];
    size_t n;
} wavb;

static void put(wavb *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void set32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void p16(wavb *w, uint32_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}

static void p32(wavb *w, uint32_t v)
{
    uint8_t b[4];
    set32(b, v);
    put(w, b, 4);
}

static void begin(wavb *w)
{
    w->n = 0;
    put(w, "RIFF", 4);
    p32(w, 0);
    put(w, "WAVE", 4);
}

static void finish(wavb *w)
{
    set32(w->b + 4, (uint32_t)(w->n - 8));
}

/* a chunk with `size` bytes of 0x11, padded unless nopad */
static void chunk(wavb *w, const char *id, uint32_t size, bool nopad)
{
    put(w, id, 4);
    p32(w, size);
    memset(w->b + w->n, 0x11, size);
    w->n += size;
    if ((size & 1) && !nopad)
        w->b[w->n++] = 0;
}

static void fmt(wavb *w, uint32_t tag, uint32_t ch, uint32_t rate, uint32_t bits)
{
    put(w, "fmt ", 4);
    p32(w, 16);
    p16(w, tag);
    p16(w, ch);
    p32(w, rate);
    p32(w, rate * ch * bits / 8);
    p16(w, ch * bits / 8);
    p16(w, bits);
}

static const uint8_t guid_tail[14] = {0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71};

static void fmt_ext(wavb *w, uint32_t sub, uint32_t ch, uint32_t rate, uint32_t bits,
                    uint32_t valid, uint32_t mask)
{
    put(w, "fmt ", 4);
    p32(w, 40);
    p16(w, 0xFFFE);
    p16(w, ch);
    p32(w, rate);
    p32(w, rate * ch * bits / 8);
    p16(w, ch * bits / 8);
    p16(w, bits);
    p16(w, 22);
    p16(w, valid);
    p32(w, mask);
    p16(w, sub);
    put(w, guid_tail, sizeof guid_tail);
}

static void data(wavb *w, uint32_t bytes)
{
    put(w, "data", 4);
    p32(w, bytes);
    for (uint32_t i = 0; i < bytes; i++)
        w->b[w->n++] = (uint8_t)i;
    if (bytes & 1)
        w->b[w->n++] = 0;
}

static int parse(const wavb *w, sim_wav_info *wi, char *err)
{
    return sim_wav_parse_mem(w->b, w->n, wi, err, SIM_ERR_LEN);
}

/* parse must fail with a one-line message containing `needle` */
#define REFUSED(w, needle)                                                           \
    do {                                                                             \
        sim_wav_info wi_;                                                            \
        char err_[SIM_ERR_LEN];                                                      \
        err_[0] = '\0';                                                              \
        CHECK_EQ(parse((w), &wi_, err_), -1);                                        \
        CHECK(err_[0] != '\0' && strchr(err_, '\n') == NULL);                        \
        if (!strstr(err_, (needle))) {                                               \
            th_failures++;                                                           \
            fprintf(stderr, "    %s:%d: message '%s' lacks '%s'\n", __FILE__, __LINE__, \
                    err_, (needle));                                                 \
        }                                                                            \
    } while (0)

/* ---- accepted files ----------------------------------------------------- */
static void wav_accepts_pcm16_with_extra_chunks(void)
{
    wavb w;
    begin(&w);
    chunk(&w, "JUNK", 3, false);   /* odd chunk with pad byte */
    fmt(&w, 1, 2, 48000, 16);
    chunk(&w, "LIST", 10, false);
    data(&w, 4 * 10);
    chunk(&w, "bext", 5, true);    /* odd last chunk without its pad byte */
    finish(&w);
    sim_wav_info wi;
    char err[SIM_ERR_LEN];
    CHECK_EQ(parse(&w, &wi, err), 0);
    CHECK_EQ(wi.encoding, SIM_WAV_PCM16);
    CHECK(!wi.extensible);
    CHECK_EQ(wi.channels, 2);
    CHECK_EQ(wi.sample_rate, 48000);
    CHECK_EQ(wi.block_align, 4);
    CHECK_EQ(wi.frames, 10);
    CHECK_EQ(wi.data_bytes, 40);
    CHECK_EQ(wi.data_offset, 12 + 12 + 24 + 18 + 8);
}

static void wav_accepts_float_fmt18_and_fact(void)
{
    wavb w;
    begin(&w);
    put(&w, "fmt ", 4);
    p32(&w, 18);
    p16(&w, 3);
    p16(&w, 1);
    p32(&w, 44100);
    p32(&w, 44100 * 4);
    p16(&w, 4);
    p16(&w, 32);
    p16(&w, 0);
    put(&w, "fact", 4);
    p32(&w, 4);
    p32(&w, 3);
    data(&w, 12);
    finish(&w);
    sim_wav_info wi;
    char err[SIM_ERR_LEN];
    CHECK_EQ(parse(&w, &wi, err), 0);
    CHECK_EQ(wi.encoding, SIM_WAV_FLOAT32);
    CHECK_EQ(wi.frames, 3);
}

static void wav_accepts_extensible(void)
{
    wavb w;
    begin(&w);
    fmt_ext(&w, 1, 2, 96000, 16, 16, 3);
    data(&w, 8);
    finish(&w);
    sim_wav_info wi;
    char err[SIM_ERR_LEN];
    CHECK_EQ(parse(&w, &wi, err), 0);
    CHECK(wi.extensible);
    CHECK_EQ(wi.encoding, SIM_WAV_PCM16);
    CHECK_EQ(wi.frames, 2);

    begin(&w);
    fmt_ext(&w, 3, 6, 48000, 32, 32, 0x3F);
    data(&w, 0); /* no frames is fine */
    finish(&w);
    CHECK_EQ(parse(&w, &wi, err), 0);
    CHECK_EQ(wi.encoding, SIM_WAV_FLOAT32);
    CHECK_EQ(wi.channels, 6);
    CHECK_EQ(wi.frames, 0);
}

/* ---- refused files ------------------------------------------------------ */
static void wav_refuses_bad_riff(void)
{
    wavb w;
    w.n = 8;
    memcpy(w.b, "RIFF\0\0\0\0", 8);
    REFUSED(&w, "too short");
    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    finish(&w);
    wavb v = w;
    memcpy(v.b, "RIFX", 4);
    REFUSED(&v, "RIFX");
    v = w;
    memcpy(v.b, "RF64", 4);
    REFUSED(&v, "RF64");
    v = w;
    memcpy(v.b, "JUNK", 4);
    REFUSED(&v, "no 'RIFF'");
    v = w;
    memcpy(v.b + 8, "AVI ", 4);
    REFUSED(&v, "not 'WAVE'");
    v = w;
    set32(v.b + 4, (uint32_t)(w.n - 8 + 1)); /* truncated */
    REFUSED(&v, "does not match the file size");
    v = w;
    set32(v.b + 4, (uint32_t)(w.n - 8 - 2)); /* trailing bytes */
    REFUSED(&v, "does not match the file size");
    v = w;
    set32(v.b + 4, 0xFFFFFFFFu); /* streaming writer */
    REFUSED(&v, "does not match the file size");
}

static void wav_refuses_bad_chunks(void)
{
    wavb w;
    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    w.b[w.n++] = 1;
    w.b[w.n++] = 2;
    w.b[w.n++] = 3;
    finish(&w);
    REFUSED(&w, "stray");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    put(&w, "data", 4);
    p32(&w, 4000); /* more than the file holds */
    p32(&w, 0);
    finish(&w);
    REFUSED(&w, "declares 4000 bytes");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    put(&w, "da\001a", 4);
    p32(&w, 0);
    finish(&w);
    REFUSED(&w, "not printable");

    begin(&w);
    for (int i = 0; i < 64; i++)
        chunk(&w, "JUNK", 0, false);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "more than 64 chunks");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    finish(&w);
    REFUSED(&w, "no 'data'");

    begin(&w);
    chunk(&w, "LIST", 4, false);
    finish(&w);
    REFUSED(&w, "no 'fmt '");

    begin(&w);
    data(&w, 4);
    fmt(&w, 1, 2, 48000, 16);
    finish(&w);
    REFUSED(&w, "before the 'fmt '");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "second 'fmt '");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "second 'data'");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 4);
    fmt(&w, 1, 2, 48000, 16);
    finish(&w);
    REFUSED(&w, "second 'fmt '");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    data(&w, 6); /* 1.5 frames */
    finish(&w);
    REFUSED(&w, "not a multiple of the frame size 4");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    chunk(&w, "fact", 2, false);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "'fact'");
}

static void wav_refuses_bad_fmt(void)
{
    wavb w;
    begin(&w);
    fmt(&w, 2, 2, 48000, 16);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "format tag 0x0002");

    begin(&w);
    fmt(&w, 1, 0, 48000, 16);
    data(&w, 0);
    finish(&w);
    REFUSED(&w, "0 channels");

    begin(&w);
    fmt(&w, 3, 33, 48000, 32);
    data(&w, 0);
    finish(&w);
    REFUSED(&w, "33 channels");

    begin(&w);
    fmt(&w, 1, 2, 7999, 16);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "7999 Hz");

    begin(&w);
    fmt(&w, 1, 2, 400000, 16);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "400000 Hz");

    begin(&w);
    fmt(&w, 1, 2, 48000, 24);
    data(&w, 6);
    finish(&w);
    REFUSED(&w, "24-bit PCM");

    begin(&w);
    fmt(&w, 3, 2, 48000, 64);
    data(&w, 16);
    finish(&w);
    REFUSED(&w, "64-bit float");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    w.b[12 + 8 + 12] = 3; /* block align */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "block align 3");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    set32(w.b + 12 + 8 + 8, 12345); /* byte rate */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "byte rate 12345");

    begin(&w);
    chunk(&w, "fmt ", 20, false);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "'fmt ' chunk of 20 bytes");

    begin(&w);
    put(&w, "fmt ", 4);
    p32(&w, 18);
    p16(&w, 1);
    p16(&w, 2);
    p32(&w, 48000);
    p32(&w, 192000);
    p16(&w, 4);
    p16(&w, 16);
    p16(&w, 2); /* cbSize must be 0 */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "cbSize 2");

    begin(&w);
    fmt(&w, 1, 2, 48000, 16);
    w.b[12 + 4] = 40; /* PCM tag with a 40-byte fmt */
    memset(w.b + w.n, 0, 24);
    w.n += 24;
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "40 bytes for format tag 1");
}

static void wav_refuses_bad_extensible(void)
{
    wavb w;
    begin(&w);
    fmt_ext(&w, 1, 2, 48000, 16, 12, 3);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "12 valid bits");

    begin(&w);
    fmt_ext(&w, 1, 2, 48000, 16, 16, 7);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "channel mask 0x00000007");

    begin(&w);
    fmt_ext(&w, 1, 2, 48000, 16, 16, 0x40000);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "channel mask");

    begin(&w);
    fmt_ext(&w, 2, 2, 48000, 16, 16, 3);
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "sub-format");

    begin(&w);
    fmt_ext(&w, 1, 2, 48000, 16, 16, 3);
    w.b[12 + 8 + 24 + 13] ^= 1; /* GUID tail */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "sub-format");

    begin(&w);
    fmt_ext(&w, 1, 2, 48000, 16, 16, 3);
    w.b[12 + 8 + 16] = 20; /* cbSize */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "cbSize 20");

    begin(&w);
    fmt_ext(&w, 3, 2, 48000, 16, 16, 3); /* float sub-format with 16 bits */
    data(&w, 4);
    finish(&w);
    REFUSED(&w, "16-bit float");
}

/* ---- decode / encode / writer ------------------------------------------- */
static void wav_decodes_exactly(void)
{
    const uint8_t pcm[] = {0x00, 0x80, 0xFF, 0x7F, 0x01, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x40};
    float out[6];
    sim_wav_decode(SIM_WAV_PCM16, 2, pcm, 3, out);
    CHECK(out[0] == -1.0f);
    CHECK(out[1] == 32767.0f / 32768.0f);
    CHECK(out[2] == 1.0f / 32768.0f);
    CHECK(out[3] == -1.0f / 32768.0f);
    CHECK(out[4] == 0.0f);
    CHECK(out[5] == 0.5f);

    const float src[4] = {0.25f, -1.5f, 1e-30f, 12345.678f};
    uint8_t bytes[16];
    sim_wav_encode_float(src, 4, bytes);
    CHECK(bytes[0] == 0x00 && bytes[1] == 0x00 && bytes[2] == 0x80 && bytes[3] == 0x3E); /* 0.25f LE */
    float back[4];
    sim_wav_decode(SIM_WAV_FLOAT32, 1, bytes, 4, back);
    CHECK(memcmp(src, back, sizeof src) == 0);
}

static void wav_writer_round_trips(void)
{
    static const uint32_t chans[] = {1, 2, 3, 8, 32};
    for (size_t i = 0; i < sizeof chans / sizeof chans[0]; i++) {
        uint32_t ch = chans[i];
        uint8_t buf[SIM_WAV_HEADER_MAX + 5 * 32 * 4];
        size_t hl = sim_wav_float_header(buf, sizeof buf, 48000, ch, 5);
        CHECK(hl > 0 && hl <= SIM_WAV_HEADER_MAX);
        memset(buf + hl, 0, (size_t)5 * ch * 4);
        sim_wav_info wi;
        char err[SIM_ERR_LEN];
        int rc = sim_wav_parse_mem(buf, hl + (size_t)5 * ch * 4, &wi, err, sizeof err);
        CHECK_EQ(rc, 0);
        if (rc)
            fprintf(stderr, "    %u channels: %s\n", ch, err);
        CHECK_EQ(wi.encoding, SIM_WAV_FLOAT32);
        CHECK_EQ(wi.extensible, ch > 2);
        CHECK_EQ(wi.channels, ch);
        CHECK_EQ(wi.sample_rate, 48000);
        CHECK_EQ(wi.frames, 5);
        CHECK_EQ(wi.data_offset, hl);
    }
    uint8_t h[SIM_WAV_HEADER_MAX];
    uint64_t max = sim_wav_float_max_frames(2);
    CHECK(max > 0 && max * 8 <= UINT64_C(0xFFFFFFFF));
    CHECK(sim_wav_float_header(h, sizeof h, 48000, 2, max) > 0);
    CHECK_EQ(sim_wav_float_header(h, sizeof h, 48000, 2, max + 1), 0);
    CHECK_EQ(sim_wav_float_header(h, sizeof h, 48000, 0, 1), 0);
    CHECK_EQ(sim_wav_float_header(h, sizeof h, 100, 2, 1), 0);
    CHECK_EQ(sim_wav_float_header(h, 10, 48000, 2, 1), 0);
}

/* The parser never reads outside the buffer: every prefix of a valid file
 * is refused cleanly (ASan watches the reads). */
static void wav_every_truncation_is_refused(void)
{
    wavb w;
    begin(&w);
    fmt_ext(&w, 3, 2, 48000, 32, 32, 3);
    chunk(&w, "LIST", 7, false);
    data(&w, 16);
    finish(&w);
    for (size_t n = 0; n < w.n; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, w.b, n);
        sim_wav_info wi;
        char err[SIM_ERR_LEN];
        CHECK_EQ(sim_wav_parse_mem(copy, n, &wi, err, sizeof err), -1);
        free(copy);
    }
}

const th_test wav_tests[] = {
    {"wav_accepts_pcm16_with_extra_chunks", wav_accepts_pcm16_with_extra_chunks},
    {"wav_accepts_float_fmt18_and_fact", wav_accepts_float_fmt18_and_fact},
    {"wav_accepts_extensible", wav_accepts_extensible},
    {"wav_refuses_bad_riff", wav_refuses_bad_riff},
    {"wav_refuses_bad_chunks", wav_refuses_bad_chunks},
    {"wav_refuses_bad_fmt", wav_refuses_bad_fmt},
    {"wav_refuses_bad_extensible", wav_refuses_bad_extensible},
    {"wav_decodes_exactly", wav_decodes_exactly},
    {"wav_writer_round_trips", wav_writer_round_trips},
    {"wav_every_truncation_is_refused", wav_every_truncation_is_refused},
};
const size_t wav_tests_n = sizeof wav_tests / sizeof wav_tests[0];
