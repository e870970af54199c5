/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A small, strict WAV parser (RIFF/WAVE, little-endian) and the 32-bit
 * float header writer.  Accepted: 16-bit PCM and 32-bit IEEE float, as
 * WAVE_FORMAT_PCM (1), WAVE_FORMAT_IEEE_FLOAT (3) or WAVE_FORMAT_EXTENSIBLE
 * (0xFFFE) with the PCM / IEEE float sub-format.  Every header field is
 * checked; anything else is refused with one line saying what was found
 * and what is accepted.
 *
 * Rules:
 *   - "RIFF" size + 8 == file size (no truncated file, no trailing bytes);
 *     form type "WAVE"; RF64/RIFX are refused by name;
 *   - chunks: ids of printable ASCII, each inside the RIFF, padded to even
 *     sizes (the last chunk may lack its pad byte), at most 64 chunks;
 *   - exactly one "fmt " (16 or 18 bytes for PCM/float with cbSize 0, 40
 *     for EXTENSIBLE with cbSize 22), before exactly one "data" (so a
 *     "fmt " after "data" is always a second one);
 *   - channels 1..32, rate 8000..384000 Hz, bits 16 (PCM) / 32 (float),
 *     block_align == channels * bits / 8, byte_rate == rate * block_align;
 *   - EXTENSIBLE: valid bits == container bits, channel mask without
 *     reserved bits and with at most `channels` speakers, sub-format GUID
 *     {0000000X-0000-0010-8000-00AA00389B71} with X = 1 or 3;
 *   - "data" size a multiple of block_align (0 is allowed: no frames);
 *   - "fact", when present, has at least 4 bytes (its value is not used);
 *     other chunks (LIST, bext, JUNK, ...) are skipped.
 * Every offset is 64-bit and compared against what remains before it is
 * added, so no field value can lead to a read outside the file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "vocana/abi.h"

#define TAG_PCM        0x0001u
#define TAG_FLOAT      0x0003u
#define TAG_EXTENSIBLE 0xFFFEu
#define MAX_CHUNKS     64u
#define FMT_BASIC      16u
#define FMT_CBSIZE     18u
#define FMT_EXT        40u
#define EXT_CBSIZE     22u
#define MASK_RESERVED  UINT32_C(0x7FFC0000) /* bits between the 18 speakers and SPEAKER_ALL */

/* bytes 2..15 of KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}, after the 16-bit tag */
static const uint8_t guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                      0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int wfail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A chunk id for messages: printable, else hex. */
static void id_text(const uint8_t id[4], char out[16])
{
    bool printable = true;
    for (int i = 0; i < 4; i++)
        if (id[i] < 0x20 || id[i] > 0x7E)
            printable = false;
    if (printable)
        snprintf(out, 16, "'%c%c%c%c'", id[0], id[1], id[2], id[3]);
    else
        snprintf(out, 16, "0x%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
}

static unsigned popcount32(uint32_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static int parse_fmt(const uint8_t *f, uint32_t size, sim_wav_info *out, char *err, size_t errlen)
{
    uint32_t tag = le16(f);
    uint32_t channels = le16(f + 2);
    uint32_t rate = le32(f + 4);
    uint32_t byte_rate = le32(f + 8);
    uint32_t align = le16(f + 12);
    uint32_t bits = le16(f + 14);
    bool ext = false;

    if (tag == TAG_PCM || tag == TAG_FLOAT) {
        if (size != FMT_BASIC && size != FMT_CBSIZE)
            return wfail(err, errlen, "'fmt ' chunk of %u bytes for format tag %u (accepted: 16, or 18 with cbSize 0)",
                         size, tag);
        if (size == FMT_CBSIZE && le16(f + 16) != 0)
            return wfail(err, errlen, "'fmt ' cbSize %u for format tag %u (accepted: 0)", le16(f + 16), tag);
    } else if (tag == TAG_EXTENSIBLE) {
        ext = true;
        if (size != FMT_EXT)
            return wfail(err, errlen, "'fmt ' chunk of %u bytes for WAVE_FORMAT_EXTENSIBLE (accepted: 40)", size);
        if (le16(f + 16) != EXT_CBSIZE)
            return wfail(err, errlen, "WAVE_FORMAT_EXTENSIBLE cbSize %u (accepted: 22)", le16(f + 16));
        uint32_t sub = le16(f + 24);
        if ((sub != TAG_PCM && sub != TAG_FLOAT) || memcmp(f + 26, guid_tail, sizeof guid_tail) != 0)
            return wfail(err, errlen,
                         "WAVE_FORMAT_EXTENSIBLE sub-format is not KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT");
        uint32_t valid = le16(f + 18);
        if (valid != bits)
            return wfail(err, errlen, "%u valid bits in %u-bit samples (accepted: all bits valid)", valid, bits);
        uint32_t mask = le32(f + 20);
        if ((mask & MASK_RESERVED) != 0 || popcount32(mask & ~UINT32_C(0x80000000)) > channels)
            return wfail(err, errlen, "channel mask 0x%08x does not fit %u channel(s)", mask, channels);
        tag = sub;
    } else {
        return wfail(err, errlen,
                     "format tag 0x%04x is not supported (accepted: PCM 1, IEEE float 3, EXTENSIBLE 0xfffe)",
                     tag);
    }

    if (channels < VOCANA_CHANNELS_MIN || channels > VOCANA_CHANNELS_MAX)
        return wfail(err, errlen, "%u channels (accepted: %u..%u)", channels, VOCANA_CHANNELS_MIN,
                     VOCANA_CHANNELS_MAX);
    if (rate < VOCANA_RATE_MIN || rate > VOCANA_RATE_MAX)
        return wfail(err, errlen, "sample rate %u Hz (accepted: %u..%u)", rate, VOCANA_RATE_MIN,
                     VOCANA_RATE_MAX);
    if (tag == TAG_PCM && bits != 16)
        return wfail(err, errlen, "%u-bit PCM (accepted: 16-bit PCM or 32-bit float)", bits);
    if (tag == TAG_FLOAT && bits != 32)
        return wfail(err, errlen, "%u-bit float (accepted: 16-bit PCM or 32-bit float)", bits);
    uint32_t want_align = channels * (bits / 8u);
    if (align != want_align)
        return wfail(err, errlen, "block align %u (expected %u for %u x %u-bit)", align, want_align,
                     channels, bits);
    uint64_t want_rate = (uint64_t)rate * want_align;
    if ((uint64_t)byte_rate != want_rate)
        return wfail(err, errlen, "byte rate %u (expected %llu = rate x block align)", byte_rate,
                     (unsigned long long)want_rate);

    out->encoding = tag == TAG_PCM ? SIM_WAV_PCM16 : SIM_WAV_FLOAT32;
    out->extensible = ext;
    out->channels = channels;
    out->sample_rate = rate;
    out->block_align = want_align;
    return 0;
}

int sim_wav_parse(sim_wav_read_fn rd, void *ctx, uint64_t file_size, sim_wav_info *out,
                  char *err, size_t errlen)
{
    if (!rd || !out)
        return wfail(err, errlen, "internal: no reader");
    memset(out, 0, sizeof *out);
    if (file_size < 12)
        return wfail(err, errlen, "%llu bytes: too short for a WAV file (RIFF header: 12)",
                     (unsigned long long)file_size);
    uint8_t h[12];
    if (rd(ctx, 0, h, sizeof h))
        return wfail(err, errlen, "cannot read the RIFF header");
    if (memcmp(h, "RF64", 4) == 0 || memcmp(h, "RIFX", 4) == 0)
        return wfail(err, errlen, "%.4s files are not supported (accepted: RIFF WAVE, little-endian, < 4 GiB)", h);
    if (memcmp(h, "RIFF", 4) != 0)
        return wfail(err, errlen, "not a WAV file (no 'RIFF' at offset 0)");
    if (memcmp(h + 8, "WAVE", 4) != 0)
        return wfail(err, errlen, "RIFF form type is not 'WAVE'");
    uint64_t riff = le32(h + 4);
    if (riff + 8 != file_size)
        return wfail(err, errlen, "RIFF size %llu does not match the file size %llu (expected file size - 8)",
                     (unsigned long long)riff, (unsigned long long)file_size);

    const uint64_t end = file_size;
    uint64_t off = 12;
    unsigned chunks = 0;
    bool have_fmt = false, have_data = false;
    while (off < end) {
        if (end - off < 8)
            return wfail(err, errlen, "%llu stray byte(s) at offset %llu (a chunk header needs 8)",
                         (unsigned long long)(end - off), (unsigned long long)off);
        if (++chunks > MAX_CHUNKS)
            return wfail(err, errlen, "more than %u chunks", MAX_CHUNKS);
        uint8_t ch[8];
        if (rd(ctx, off, ch, sizeof ch))
            return wfail(err, errlen, "cannot read the chunk header at offset %llu", (unsigned long long)off);
        char idt[16];
        id_text(ch, idt);
        for (int i = 0; i < 4; i++)
            if (ch[i] < 0x20 || ch[i] > 0x7E)
                return wfail(err, errlen, "chunk id %s at offset %llu is not printable ASCII", idt,
                             (unsigned long long)off);
        uint64_t size = le32(ch + 4);
        uint64_t body = off + 8;
        if (size > end - body)
            return wfail(err, errlen, "chunk %s at offset %llu declares %llu bytes, %llu remain", idt,
                         (unsigned long long)off, (unsigned long long)size,
                         (unsigned long long)(end - body));
        uint64_t next = body + size + (size & 1u);
        if (next > end) /* only an odd last chunk without its pad byte gets here */
            next = end;

        if (memcmp(ch, "fmt ", 4) == 0) {
            if (have_fmt)
                return wfail(err, errlen, "second 'fmt ' chunk at offset %llu", (unsigned long long)off);
            if (size != FMT_BASIC && size != FMT_CBSIZE && size != FMT_EXT)
                return wfail(err, errlen, "'fmt ' chunk of %llu bytes (accepted: 16, 18 or 40)",
                             (unsigned long long)size);
            uint8_t f[FMT_EXT];
            memset(f, 0, sizeof f);
            if (rd(ctx, body, f, (size_t)size))
                return wfail(err, errlen, "cannot read the 'fmt ' chunk");
            if (parse_fmt(f, (uint32_t)size, out, err, errlen))
                return -1;
            have_fmt = true;
        } else if (memcmp(ch, "data", 4) == 0) {
            if (have_data)
                return wfail(err, errlen, "second 'data' chunk at offset %llu", (unsigned long long)off);
            if (!have_fmt)
                return wfail(err, errlen, "'data' chunk before the 'fmt ' chunk");
            if (size % out->block_align != 0)
                return wfail(err, errlen, "'data' size %llu is not a multiple of the frame size %u",
                             (unsigned long long)size, out->block_align);
            out->data_offset = body;
            out->data_bytes = size;
            out->frames = size / out->block_align;
            have_data = true;
        } else if (memcmp(ch, "fact", 4) == 0) {
            if (size < 4)
                return wfail(err, errlen, "'fact' chunk of %llu bytes (accepted: at least 4)",
                             (unsigned long long)size);
        }
        off = next;
    }
    if (!have_fmt)
        return wfail(err, errlen, "no 'fmt ' chunk");
    if (!have_data)
        return wfail(err, errlen, "no 'data' chunk");
    return 0;
}

typedef struct mem_src {
    const uint8_t *p;
    size_t len;
} mem_src;

static int mem_read(void *ctx, uint64_t offset, void *dst, size_t n)
{
    const mem_src *m = ctx;
    if (offset > m->len || n > m->len - offset)
        return -1;
    memcpy(dst, m->p + offset, n);
    return 0;
}

int sim_wav_parse_mem(const uint8_t *buf, size_t len, sim_wav_info *out, char *err, size_t errlen)
{
    mem_src m = {buf, buf ? len : 0};
    return sim_wav_parse(mem_read, &m, m.len, out, err, errlen);
}

void sim_wav_decode(enum sim_wav_encoding enc, uint32_t channels, const uint8_t *src,
                    uint32_t frames, float *dst)
{
    size_t n = (size_t)frames * channels;
    if (enc == SIM_WAV_PCM16) {
        for (size_t i = 0; i < n; i++) {
            int32_t v = le16(src + 2 * i);
            if (v >= 0x8000)
                v -= 0x10000;
            dst[i] = (float)v * (1.0f / 32768.0f);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            uint32_t u = le32(src + 4 * i);
            memcpy(&dst[i], &u, sizeof u);
        }
    }
}

void sim_wav_encode_float(const float *src, size_t samples, uint8_t *dst)
{
    for (size_t i = 0; i < samples; i++) {
        uint32_t u;
        memcpy(&u, &src[i], sizeof u);
        put32(dst + 4 * i, u);
    }
}

static size_t header_size(uint32_t channels)
{
    uint32_t fmt = channels > 2 ? FMT_EXT : FMT_CBSIZE;
    return 12u + 8u + fmt + 12u + 8u;
}

uint64_t sim_wav_float_max_frames(uint32_t channels)
{
    if (channels < VOCANA_CHANNELS_MIN || channels > VOCANA_CHANNELS_MAX)
        return 0;
    uint64_t max_data = UINT64_C(0xFFFFFFFF) - (header_size(channels) - 8u);
    return max_data / ((uint64_t)channels * 4u);
}

size_t sim_wav_float_header(uint8_t *buf, size_t cap, uint32_t rate, uint32_t channels,
                            uint64_t frames)
{
    if (!buf || channels < VOCANA_CHANNELS_MIN || channels > VOCANA_CHANNELS_MAX ||
        rate < VOCANA_RATE_MIN || rate > VOCANA_RATE_MAX ||
        frames > sim_wav_float_max_frames(channels))
        return 0;
    size_t hs = header_size(channels);
    if (cap < hs)
        return 0;
    bool ext = channels > 2;
    uint32_t align = channels * 4u;
    uint32_t data = (uint32_t)(frames * align);
    uint8_t *p = buf;
    memset(buf, 0, hs);
    memcpy(p, "RIFF", 4);
    put32(p + 4, (uint32_t)(hs - 8u) + data);
    memcpy(p + 8, "WAVE", 4);
    p += 12;
    memcpy(p, "fmt ", 4);
    put32(p + 4, ext ? FMT_EXT : FMT_CBSIZE);
    p += 8;
    put16(p, ext ? TAG_EXTENSIBLE : TAG_FLOAT);
    put16(p + 2, channels);
    put32(p + 4, rate);
    put32(p + 8, rate * align);
    put16(p + 12, align);
    put16(p + 14, 32);
    if (ext) {
        put16(p + 16, EXT_CBSIZE);
        put16(p + 18, 32);
        /* the first `channels` speaker positions if there are enough of
         * them (18), else none specified */
        put32(p + 20, channels <= 18 ? (UINT32_C(1) << channels) - 1u : 0u);
        put16(p + 24, TAG_FLOAT);
        memcpy(p + 26, guid_tail, sizeof guid_tail);
        p += FMT_EXT;
    } else {
        put16(p + 16, 0);
        p += FMT_CBSIZE;
    }
    memcpy(p, "fact", 4);
    put32(p + 4, 4);
    put32(p + 8, (uint32_t)frames);
    p += 12;
    memcpy(p, "data", 4);
    put32(p + 4, data);
    return hs;
}
