/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Generators (sequence, tone, impulses) and the checks on what comes back
 * (sequence verifier, impulse latency).  Pure: no system call, no
 * allocation, no state outside the structs passed in. */
#include <math.h>
#include <string.h>

#include "sim.h"

/* ---- sequence ---------------------------------------------------------- */
void sim_seq_gen_init(sim_seq_gen *g)
{
    g->k = 0;
}

void sim_seq_gen_fill(sim_seq_gen *g, float *dst, size_t samples)
{
    uint32_t k = g->k;
    for (size_t i = 0; i < samples; i++) {
        dst[i] = (float)(k + 1u); /* exact: k + 1 < 2^24 */
        k = k + 1u == SIM_SEQ_MODULUS ? 0u : k + 1u;
    }
    g->k = k;
}

bool sim_seq_valid(float x)
{
    /* NaN fails the range test; the range test precedes the conversion */
    return x >= 1.0f && x <= (float)SIM_SEQ_MODULUS && x == (float)(uint32_t)x;
}

static float seq_next(float x)
{
    return x == (float)SIM_SEQ_MODULUS ? 1.0f : x + 1.0f;
}

void sim_seq_verify_init(sim_seq_verify *v, uint32_t channels)
{
    memset(v, 0, sizeof *v);
    v->state = SIM_SEQ_START;
    v->channels = channels ? channels : 1u;
}

/*
 * START:  zeros are skipped (no host output yet).  The first non-zero
 *         sample must be 1 (the host's frame 0, channel 0); anything else
 *         is one error, and the verifier locks onto it if it is a sequence
 *         value.
 * LOCKED: every sample must be the successor of the previous one.  A
 *         wrong value is one error and the verifier locks onto it (a jump:
 *         frames lost or repeated); for the next sample only, the old
 *         chain's successor is accepted too, so a single corrupted sample
 *         also counts once.  A zero, non-integer or NaN sample is one
 *         error and moves to RESYNC.
 * RESYNC: zeros and non-sequence values are skipped without counting (the
 *         glitch was counted once); the next sequence value is taken as
 *         the new reference.
 * After a re-attach (sim_seq_verify_resync) wrong values resynchronise
 * without counting for `grace` samples.
 * Silence inserted by the core (underrun / no host) moves LOCKED to RESYNC
 * without an error: the core counted it as an underrun.
 */
void sim_seq_verify_block(sim_seq_verify *v, const float *buf, uint32_t real, uint32_t total)
{
    size_t n = (size_t)real * v->channels;
    for (size_t i = 0; i < n; i++) {
        float x = buf[i];
        switch (v->state) {
        case SIM_SEQ_START:
            if (x == 0.0f)
                break;
            v->alt = 0.0f;
            if (x == 1.0f) {
                v->ok++;
                v->expected = 2.0f;
                v->state = SIM_SEQ_LOCKED;
                break;
            }
            v->errors++;
            if (sim_seq_valid(x)) {
                v->expected = seq_next(x);
                v->state = SIM_SEQ_LOCKED;
            } else {
                v->state = SIM_SEQ_RESYNC;
            }
            break;
        case SIM_SEQ_LOCKED:
            if (x == v->expected || (v->alt != 0.0f && x == v->alt)) {
                v->ok++;
                v->expected = seq_next(x);
                v->alt = 0.0f;
                break;
            }
            if (v->grace > 0) { /* just after a re-attach: not an error */
                v->alt = 0.0f;
                if (sim_seq_valid(x))
                    v->expected = seq_next(x);
                else
                    v->state = SIM_SEQ_RESYNC;
                break;
            }
            v->errors++;
            if (sim_seq_valid(x)) {
                v->alt = seq_next(v->expected);
                v->expected = seq_next(x);
            } else {
                v->alt = 0.0f;
                v->state = SIM_SEQ_RESYNC;
            }
            break;
        case SIM_SEQ_RESYNC:
        default:
            if (sim_seq_valid(x)) {
                v->expected = seq_next(x);
                v->alt = 0.0f;
                v->state = SIM_SEQ_LOCKED;
            }
            break;
        }
        if (v->grace > 0)
            v->grace--;
    }
    if (total > real && v->state == SIM_SEQ_LOCKED)
        v->state = SIM_SEQ_RESYNC;
}

void sim_seq_verify_resync(sim_seq_verify *v, uint64_t grace)
{
    if (v->state == SIM_SEQ_LOCKED)
        v->state = SIM_SEQ_RESYNC;
    v->grace = grace;
}

uint64_t sim_seq_verify_frames(const sim_seq_verify *v)
{
    return v->ok / v->channels;
}

/* ---- tone -------------------------------------------------------------- */
void sim_tone_init(sim_tone *t, double hz, double dbfs, uint32_t rate)
{
    t->phase = 0.0;
    t->step = rate ? hz / (double)rate : 0.0;
    t->amp = (float)pow(10.0, dbfs / 20.0);
}

void sim_tone_fill(sim_tone *t, float *dst, uint32_t frames, uint32_t channels)
{
    const double two_pi = 6.283185307179586476925286766559;
    double ph = t->phase;
    for (uint32_t f = 0; f < frames; f++) {
        float s = t->amp * (float)sin(two_pi * ph);
        for (uint32_t c = 0; c < channels; c++)
            dst[(size_t)f * channels + c] = s;
        ph += t->step;
        if (ph >= 1.0)
            ph -= floor(ph);
    }
    t->phase = ph;
}

/* ---- impulses and latency ---------------------------------------------- */
void sim_latency_init(sim_latency *l, uint32_t interval, uint32_t channels, uint32_t *hist,
                      uint32_t hist_len)
{
    memset(l, 0, sizeof *l);
    l->interval = interval ? interval : 1u;
    l->channels = channels ? channels : 1u;
    l->hist = hist;
    l->hist_len = hist ? hist_len : 0u;
    if (l->hist)
        memset(l->hist, 0, (size_t)l->hist_len * sizeof *l->hist);
}

static void pending_push(sim_latency *l, uint64_t at)
{
    if (l->count == SIM_LAT_PENDING) { /* the oldest never came back */
        l->head = (l->head + 1u) % SIM_LAT_PENDING;
        l->count--;
        l->lost++;
    }
    l->pending[(l->head + l->count) % SIM_LAT_PENDING] = at;
    l->count++;
}

void sim_latency_write(sim_latency *l, uint64_t at, float *dst, uint32_t frames)
{
    size_t n = (size_t)frames * l->channels;
    for (size_t i = 0; i < n; i++)
        dst[i] = 0.0f;
    /* first multiple of the interval at or after `at` */
    uint64_t rem = at % l->interval;
    uint64_t first = rem ? at + (l->interval - rem) : at;
    for (uint64_t f = first; f < at + frames; f += l->interval) {
        for (uint32_t c = 0; c < l->channels; c++)
            dst[(size_t)(f - at) * l->channels + c] = SIM_IMPULSE_VALUE;
        pending_push(l, f);
    }
}

void sim_latency_read(sim_latency *l, uint64_t at, const float *src, uint32_t frames)
{
    for (uint32_t f = 0; f < frames && l->count > 0; f++) {
        uint64_t pos = at + f;
        /* only frames at or after the oldest pending impulse matter */
        if (pos < l->pending[l->head])
            continue;
        bool loud = false;
        for (uint32_t c = 0; c < l->channels; c++) {
            float x = src[(size_t)f * l->channels + c];
            if (x >= SIM_IMPULSE_THRESHOLD || x <= -SIM_IMPULSE_THRESHOLD)
                loud = true;
        }
        if (!loud)
            continue;
        /* every pending impulse written at or before this frame is answered */
        while (l->count > 0 && l->pending[l->head] <= pos) {
            uint64_t lat = pos - l->pending[l->head];
            if (lat < l->hist_len) {
                l->hist[lat]++;
                l->measured++;
            } else {
                l->too_late++;
            }
            l->head = (l->head + 1u) % SIM_LAT_PENDING;
            l->count--;
        }
    }
}

int64_t sim_latency_median(const sim_latency *l)
{
    uint64_t total = l->measured + l->too_late;
    if (total == 0)
        return -1;
    uint64_t want = (total - 1u) / 2u; /* index of the lower median */
    uint64_t seen = 0;
    for (uint32_t i = 0; i < l->hist_len; i++) {
        seen += l->hist[i];
        if (seen > want)
            return (int64_t)i;
    }
    return (int64_t)l->hist_len; /* the median is beyond the histogram */
}
