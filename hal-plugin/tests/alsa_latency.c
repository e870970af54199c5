/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * End-to-end latency through an ALSA PCM in both directions (e.g. the
 * Vocana device with a running host): opens playback and capture, starts
 * them back to back (the offset between their trigger timestamps is taken
 * into account), plays an impulse every half second from the first second
 * on (the start settles first: a host slow to start may deliver a backlog,
 * which the device trims within a quarter second or so) and finds it in the
 * capture.  Prints 'key value' lines: latency_frames (median, from the
 * moment the playback card takes a frame to the moment the capture card
 * records it), latency_min, latency_max, app_latency_frames (plus what the
 * application buffers: the playback buffer and one capture period),
 * impulses, xruns.
 *
 *   alsa_latency PCM [SECONDS [PERIOD_FRAMES [PERIODS]]]   (defaults 5, 128, 2)
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include <alsa/asoundlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000u
#define CH 2u

static int setup(snd_pcm_t *pcm, snd_pcm_uframes_t period, unsigned periods)
{
    snd_pcm_hw_params_t *hw;
    snd_pcm_hw_params_alloca(&hw);
    snd_pcm_uframes_t buffer = period * periods;
    int err;
    if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0 ||
        (err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
        (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_FLOAT_LE)) < 0 ||
        (err = snd_pcm_hw_params_set_channels(pcm, hw, CH)) < 0 ||
        (err = snd_pcm_hw_params_set_rate(pcm, hw, RATE, 0)) < 0 ||
        (err = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, NULL)) < 0 ||
        (err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)) < 0 ||
        (err = snd_pcm_hw_params(pcm, hw)) < 0)
        return err;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: alsa_latency PCM [SECONDS [PERIOD_FRAMES [PERIODS]]]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 5;
    snd_pcm_uframes_t period = argc > 3 ? (snd_pcm_uframes_t)atol(argv[3]) : 128;
    unsigned periods = argc > 4 ? (unsigned)atoi(argv[4]) : 2;
    if (seconds <= 0 || seconds > 3600 || period < 16 || period > 8192 || periods < 2 || periods > 64) {
        fprintf(stderr, "alsa_latency: SECONDS 0..3600, PERIOD_FRAMES 16..8192, PERIODS 2..64\n");
        return 2;
    }
    snd_pcm_t *play, *cap;
    int err;
    if ((err = snd_pcm_open(&play, argv[1], SND_PCM_STREAM_PLAYBACK, 0)) < 0 ||
        (err = snd_pcm_open(&cap, argv[1], SND_PCM_STREAM_CAPTURE, 0)) < 0) {
        fprintf(stderr, "alsa_latency: cannot open %s: %s\n", argv[1], snd_strerror(err));
        return 1;
    }
    if ((err = setup(play, period, periods)) < 0 || (err = setup(cap, period, periods)) < 0 ||
        (err = snd_pcm_prepare(play)) < 0 || (err = snd_pcm_prepare(cap)) < 0) {
        fprintf(stderr, "alsa_latency: setup: %s\n", snd_strerror(err));
        return 1;
    }
    float *buf = calloc(period * CH, sizeof *buf);
    long total = (long)(seconds * RATE);
    long spacing = RATE / 2;
    long nimp = total / spacing + 1;
    long *lat = calloc((size_t)nimp, sizeof *lat);
    if (!buf || !lat)
        return 1;
    /* prefill the playback buffer with silence, start both, measure how far apart they started */
    long played = 0, captured = 0, found = 0, xruns = 0, pending = -1;
    for (unsigned i = 0; i < periods; i++) {
        if (snd_pcm_writei(play, buf, period) == (snd_pcm_sframes_t)period)
            played += (long)period;
    }
    if (snd_pcm_state(play) != SND_PCM_STATE_RUNNING)
        snd_pcm_start(play);
    snd_pcm_start(cap);
    snd_pcm_status_t *st;
    snd_pcm_status_alloca(&st);
    snd_htimestamp_t tp, tc;
    snd_pcm_status(play, st);
    snd_pcm_status_get_trigger_htstamp(st, &tp);
    snd_pcm_status(cap, st);
    snd_pcm_status_get_trigger_htstamp(st, &tc);
    double offset_s = (double)(tc.tv_sec - tp.tv_sec) + (double)(tc.tv_nsec - tp.tv_nsec) / 1e9;
    long offset = (long)(offset_s * RATE + (offset_s >= 0 ? 0.5 : -0.5));
    while (captured < total) {
        memset(buf, 0, period * CH * sizeof *buf);
        for (snd_pcm_uframes_t i = 0; i < period; i++) {
            if ((played + (long)i) % spacing == 0 && played + (long)i >= (long)RATE) {
                buf[i * CH] = buf[i * CH + 1] = 0.5f;
                pending = played + (long)i;
            }
        }
        snd_pcm_sframes_t w = snd_pcm_writei(play, buf, period);
        if (w < 0) {
            xruns++;
            snd_pcm_recover(play, (int)w, 1);
        } else {
            played += w;
        }
        snd_pcm_sframes_t r = snd_pcm_readi(cap, buf, period);
        if (r < 0) {
            xruns++;
            snd_pcm_recover(cap, (int)r, 1);
            continue;
        }
        for (snd_pcm_sframes_t i = 0; i < r; i++) {
            if (pending >= 0 && (buf[i * CH] > 0.1f || buf[i * CH] < -0.1f)) {
                long l = captured + i + offset - pending;
                if (l >= 0 && found < nimp)
                    lat[found++] = l;
                pending = -1;
            }
        }
        captured += r;
    }
    if (found == 0) {
        printf("impulses 0\nxruns %ld\n", xruns);
        fprintf(stderr, "alsa_latency: no impulse came back (is a host running the device?)\n");
        return 1;
    }
    qsort(lat, (size_t)found, sizeof *lat, cmp);
    printf("latency_frames %ld\nlatency_min %ld\nlatency_max %ld\napp_latency_frames %ld\nstart_offset_frames %ld\n"
           "impulses %ld\nxruns %ld\n", lat[found / 2], lat[0], lat[found - 1],
           lat[found / 2] + (long)(period * periods) + (long)period, offset, found, xruns);
    snd_pcm_close(cap);
    snd_pcm_close(play);
    free(buf);
    free(lat);
    return 0;
}
