/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wavtool: WAV helper for the simulator's tests.
 *
 *   wavtool gen FILE FORMAT RATE CHANNELS FRAMES
 *       FORMAT: pcm16 | float | ext-pcm16 | ext-float.  A deterministic
 *       pattern with no zero sample.  The header is written here, not with
 *       the simulator's writer, so the parser is checked against an
 *       independent encoder.
 *   wavtool info FILE
 *       `encoding E extensible X rate R channels C frames N` (the
 *       simulator's parser; exit 1 with its message if refused)
 *   wavtool cmp PLAYED RECORDED [gaps]
 *       offset = first frame of RECORDED with a non-zero sample; compares
 *       RECORDED[offset + i] with PLAYED[i] exactly; prints
 *       `offset O compared N mismatches M`; exit 0 iff M == 0 and N > 0.
 *       With `gaps`, all-zero frames after the offset are frames the core
 *       replaced by silence (lost: abi.h section 6 keeps the offset, so
 *       they take the place of the frames they stand for; PLAYED has no
 *       zero frame): they are not compared, and `gaps G lost L` (runs and
 *       frames) is printed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sim/sim.h"

static void put16(FILE *f, unsigned v)
{
    fputc((int)(v & 0xFF), f);
    fputc((int)((v >> 8) & 0xFF), f);
}

static void put32(FILE *f, unsigned long v)
{
    put16(f, (unsigned)(v & 0xFFFF));
    put16(f, (unsigned)((v >> 16) & 0xFFFF));
}

static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static int gen(const char *path, const char *fmt, unsigned rate, unsigned ch, unsigned long frames)
{
    int is_float = !strcmp(fmt, "float") || !strcmp(fmt, "ext-float");
    int ext = !strncmp(fmt, "ext-", 4);
    if (!is_float && strcmp(fmt, "pcm16") && strcmp(fmt, "ext-pcm16")) {
        fprintf(stderr, "wavtool: unknown format %s\n", fmt);
        return 2;
    }
    unsigned bits = is_float ? 32 : 16;
    unsigned align = ch * bits / 8;
    unsigned long data = frames * align;
    unsigned fmt_size = ext ? 40 : 16;
    unsigned fact = is_float ? 12 : 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    fwrite("RIFF", 1, 4, f);
    put32(f, 4 + 8 + fmt_size + fact + 8 + data + 16); /* + a LIST chunk after data */
    fwrite("WAVE", 1, 4, f);
    fwrite("fmt ", 1, 4, f);
    put32(f, fmt_size);
    put16(f, ext ? 0xFFFE : (is_float ? 3 : 1));
    put16(f, ch);
    put32(f, rate);
    put32(f, (unsigned long)rate * align);
    put16(f, align);
    put16(f, bits);
    if (ext) {
        static const unsigned char tail[14] = {0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71};
        put16(f, 22);
        put16(f, bits);
        put32(f, ch == 1 ? 4ul : 3ul); /* front centre / front left + right */
        put16(f, is_float ? 3 : 1);
        fwrite(tail, 1, sizeof tail, f);
    }
    if (is_float) {
        fwrite("fact", 1, 4, f);
        put32(f, 4);
        put32(f, frames);
    }
    fwrite("data", 1, 4, f);
    put32(f, data);
    uint32_t seed = 12345;
    for (unsigned long i = 0; i < frames * ch; i++) {
        uint32_t r = next_rand(&seed);
        if (is_float) {
            /* exact floats in (-1, 1), never 0 */
            float v = (float)((int32_t)(r % 1999999u) - 999999) / 1048576.0f;
            if (v == 0.0f)
                v = 0.5f;
            uint32_t u;
            memcpy(&u, &v, sizeof u);
            put32(f, u);
        } else {
            int v = (int)(r % 60001u) - 30000;
            if (v == 0)
                v = 1;
            put16(f, (unsigned)v & 0xFFFF);
        }
    }
    fwrite("LIST", 1, 4, f);
    put32(f, 8);
    fwrite("INFOtest", 1, 8, f);
    if (fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

typedef struct loaded {
    sim_wav_info wi;
    float *samples;
} loaded;

static int load(const char *path, loaded *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1u);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "wavtool: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    char err[SIM_ERR_LEN];
    if (sim_wav_parse_mem(buf, (size_t)len, &out->wi, err, sizeof err) != 0) {
        fprintf(stderr, "wavtool: %s: %s\n", path, err);
        free(buf);
        return 1;
    }
    size_t n = (size_t)out->wi.frames * out->wi.channels;
    out->samples = malloc(n ? n * sizeof(float) : 1u);
    if (!out->samples) {
        free(buf);
        return 1;
    }
    sim_wav_decode(out->wi.encoding, out->wi.channels, buf + out->wi.data_offset,
                   (uint32_t)out->wi.frames, out->samples);
    free(buf);
    return 0;
}

static int frame_zero(const float *x, size_t ch)
{
    for (size_t c = 0; c < ch; c++)
        if (x[c] != 0.0f)
            return 0;
    return 1;
}

static int cmp(const char *played, const char *recorded, int gaps)
{
    loaded a, b;
    if (load(played, &a) || load(recorded, &b))
        return 2;
    if (a.wi.channels != b.wi.channels) {
        fprintf(stderr, "wavtool: channel counts differ\n");
        return 1;
    }
    size_t ch = a.wi.channels;
    uint64_t off = 0;
    while (off < b.wi.frames && frame_zero(&b.samples[off * ch], ch))
        off++;
    uint64_t n = 0, bad = 0, runs = 0, lost = 0;
    int in_gap = 0;
    for (uint64_t r = off; r < b.wi.frames && n + lost < a.wi.frames; r++) {
        const float *y = &b.samples[r * ch];
        if (gaps && frame_zero(y, ch)) {
            runs += !in_gap;
            in_gap = 1;
            lost++;
            continue;
        }
        in_gap = 0;
        for (size_t c = 0; c < ch; c++)
            bad += a.samples[(n + lost) * ch + c] != y[c];
        n++;
    }
    printf("offset %llu compared %llu mismatches %llu", (unsigned long long)off,
           (unsigned long long)n, (unsigned long long)bad);
    if (gaps)
        printf(" gaps %llu lost %llu", (unsigned long long)runs, (unsigned long long)lost);
    printf("\n");
    free(a.samples);
    free(b.samples);
    return bad == 0 && n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 7 && !strcmp(argv[1], "gen"))
        return gen(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10),
                   (unsigned)strtoul(argv[5], NULL, 10), strtoul(argv[6], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "info")) {
        loaded l;
        if (load(argv[2], &l))
            return 1;
        printf("encoding %s extensible %d rate %u channels %u frames %llu\n",
               l.wi.encoding == SIM_WAV_PCM16 ? "pcm16" : "float32", l.wi.extensible ? 1 : 0,
               l.wi.sample_rate, l.wi.channels, (unsigned long long)l.wi.frames);
        free(l.samples);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "cmp"))
        return cmp(argv[2], argv[3], 0);
    if (argc == 5 && !strcmp(argv[1], "cmp") && !strcmp(argv[4], "gaps"))
        return cmp(argv[2], argv[3], 1);
    fprintf(stderr, "usage: wavtool gen FILE FORMAT RATE CH FRAMES | info FILE | cmp PLAYED RECORDED [gaps]\n");
    return 2;
}
