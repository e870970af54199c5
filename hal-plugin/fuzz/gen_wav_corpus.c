/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writes the seed corpus for fuzz_wav into the directory argv[1]
 * (`make corpus`; the files are committed under fuzz/corpus-wav/): small
 * WAV files of every accepted layout, and a few that are refused.
 */
#include <stdio.h>
#include <string.h>

#include "../src/sim/sim.h"

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void p16(buf *w, unsigned v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}

static void p32(buf *w, unsigned long v)
{
    p16(w, (unsigned)(v & 0xFFFF));
    p16(w, (unsigned)(v >> 16));
}

static void begin(buf *w)
{
    w->n = 0;
    put(w, "RIFF\0\0\0\0WAVE", 12);
}

static void end(buf *w, long adjust)
{
    unsigned long riff = (unsigned long)((long)w->n - 8 + adjust);
    w->b[4] = (uint8_t)riff;
    w->b[5] = (uint8_t)(riff >> 8);
    w->b[6] = (uint8_t)(riff >> 16);
    w->b[7] = (uint8_t)(riff >> 24);
}

static void fmt(buf *w, unsigned size, unsigned tag, unsigned ch, unsigned long rate, unsigned bits)
{
    put(w, "fmt ", 4);
    p32(w, size);
    p16(w, size == 40 ? 0xFFFE : tag);
    p16(w, ch);
    p32(w, rate);
    p32(w, rate * ch * bits / 8);
    p16(w, ch * bits / 8);
    p16(w, bits);
    if (size >= 18)
        p16(w, size == 40 ? 22 : 0);
    if (size == 40) {
        static const uint8_t tail[14] = {0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71};
        p16(w, bits);
        p32(w, ch == 2 ? 3 : 0);
        p16(w, tag);
        put(w, tail, sizeof tail);
    }
}

static void chunk(buf *w, const char *id, unsigned size, int pad)
{
    put(w, id, 4);
    p32(w, size);
    for (unsigned i = 0; i < size; i++)
        w->b[w->n++] = (uint8_t)(0x30 + i);
    if ((size & 1) && pad)
        w->b[w->n++] = 0;
}

static int save(const char *dir, const char *name, const buf *w)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(w->b, 1, w->n, f) != w->n || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_wav_corpus DIR\n");
        return 2;
    }
    const char *d = argv[1];
    int bad = 0;
    buf w;

    begin(&w);
    fmt(&w, 16, 1, 2, 48000, 16);
    chunk(&w, "data", 16, 1);
    end(&w, 0);
    bad |= save(d, "pcm16-stereo.wav", &w);

    begin(&w);
    fmt(&w, 18, 3, 1, 44100, 32);
    put(&w, "fact", 4);
    p32(&w, 4);
    p32(&w, 3);
    chunk(&w, "data", 12, 1);
    end(&w, 0);
    bad |= save(d, "float-mono-fact.wav", &w);

    begin(&w);
    fmt(&w, 40, 1, 3, 96000, 16);
    chunk(&w, "data", 12, 1);
    end(&w, 0);
    bad |= save(d, "ext-pcm16-3ch.wav", &w);

    begin(&w);
    chunk(&w, "JUNK", 3, 1);
    fmt(&w, 40, 3, 2, 48000, 32);
    chunk(&w, "LIST", 12, 1);
    chunk(&w, "data", 16, 1);
    end(&w, 0);
    bad |= save(d, "ext-float-stereo-chunks.wav", &w);

    begin(&w);
    fmt(&w, 16, 1, 1, 8000, 16);
    chunk(&w, "data", 4, 1);
    chunk(&w, "bext", 5, 0); /* odd last chunk, no pad byte */
    end(&w, 0);
    bad |= save(d, "odd-last-chunk.wav", &w);

    w.n = sim_wav_float_header(w.b, sizeof w.b, 192000, 6, 2);
    memset(w.b + w.n, 0x3F, 2 * 6 * 4);
    w.n += 2 * 6 * 4;
    bad |= save(d, "sim-writer-6ch.wav", &w);

    begin(&w);
    fmt(&w, 16, 1, 2, 48000, 16);
    chunk(&w, "data", 8, 1);
    end(&w, 64);
    bad |= save(d, "bad-truncated.wav", &w);

    begin(&w);
    fmt(&w, 16, 1, 2, 48000, 24);
    chunk(&w, "data", 12, 1);
    end(&w, 0);
    bad |= save(d, "bad-pcm24.wav", &w);

    return bad;
}
