/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the input bytes ARE a WAV file given to
 * `vocana-sim --play`.  The simulator's parser must accept or refuse it
 * without reading outside the buffer; if it accepts, the reported layout
 * must lie inside the buffer and every sample is decoded; if it refuses,
 * the message must be one non-empty line.
 *
 * Second property, from the same bytes: a float WAV header written by
 * sim_wav_float_header (channels, rate and frames taken from the input)
 * followed by that many frames must parse back to exactly those values.
 */
#include <stdint.h>
#include <string.h>

#include "../src/sim/sim.h"
#include "vocana/abi.h"

#define DECODE_FRAMES 256u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const uint8_t *data, size_t size, const sim_wav_info *wi)
{
    if (wi->channels < VOCANA_CHANNELS_MIN || wi->channels > VOCANA_CHANNELS_MAX ||
        wi->sample_rate < VOCANA_RATE_MIN || wi->sample_rate > VOCANA_RATE_MAX)
        __builtin_trap();
    uint32_t bytes = wi->encoding == SIM_WAV_PCM16 ? 2u : 4u;
    if (wi->block_align != wi->channels * bytes || wi->data_bytes != wi->frames * wi->block_align)
        __builtin_trap();
    if (wi->data_offset < 12 || wi->data_offset > size || wi->data_bytes > size - wi->data_offset)
        __builtin_trap();
    float out[DECODE_FRAMES * VOCANA_CHANNELS_MAX];
    uint64_t done = 0;
    while (done < wi->frames) {
        uint64_t left = wi->frames - done;
        uint32_t n = left < DECODE_FRAMES ? (uint32_t)left : DECODE_FRAMES;
        sim_wav_decode(wi->encoding, wi->channels, data + wi->data_offset + done * wi->block_align,
                       n, out);
        done += n;
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void writer_round_trip(const uint8_t *data, size_t size)
{
    if (size < 6)
        return;
    uint32_t rate = VOCANA_RATE_MIN + le32(data) % (VOCANA_RATE_MAX - VOCANA_RATE_MIN + 1u);
    uint32_t channels = 1u + data[4] % VOCANA_CHANNELS_MAX;
    uint32_t frames = data[5] % 17u;
    uint8_t buf[SIM_WAV_HEADER_MAX + 16u * VOCANA_CHANNELS_MAX * 4u];
    size_t hl = sim_wav_float_header(buf, sizeof buf, rate, channels, frames);
    if (hl == 0 || hl > SIM_WAV_HEADER_MAX)
        __builtin_trap();
    size_t total = hl + (size_t)frames * channels * 4u;
    for (size_t i = hl; i < total; i++)
        buf[i] = data[i % size];
    sim_wav_info wi;
    char err[SIM_ERR_LEN];
    if (sim_wav_parse_mem(buf, total, &wi, err, sizeof err) != 0 ||
        wi.encoding != SIM_WAV_FLOAT32 || wi.channels != channels || wi.sample_rate != rate ||
        wi.frames != frames || wi.data_offset != hl || wi.extensible != (channels > 2))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_wav_info wi;
    char err[SIM_ERR_LEN];
    err[0] = '\0';
    if (sim_wav_parse_mem(data, size, &wi, err, sizeof err) == 0)
        check_accepted(data, size, &wi);
    else if (err[0] == '\0' || strchr(err, '\n') || !memchr(err, '\0', sizeof err))
        __builtin_trap();
    writer_round_trip(data, size);
    return 0;
}
