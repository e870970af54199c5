/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ALSA "vocana" PCM: an external I/O plugin (ioplug) that makes a Vocana
 * device usable by any ALSA application.  Playback writes the device's "to
 * host" ring, capture reads its "from host" ring; each open stream serves
 * one direction and claims it exclusively (a second stream gets EBUSY).
 *
 * Timing: no sound card.  The stream runs on a virtual clock (CLOCK_MONOTONIC
 * from start): the hardware pointer is where the clock says a sound card
 * would be, and the frames between the old and new pointer are moved between
 * ALSA's buffer and the ring right then, stamped with their device time
 * (abi.h section 6: CLOCK_MONOTONIC frames), so the capture side reads them
 * at a fixed latency behind the playback side whatever the phase of the two
 * streams' periods.  The poll descriptor is a timerfd that fires every tick
 * (a period, at most TICK_MS): an application waiting in poll() or
 * snd_pcm_wait() is woken that often, the pointer callback moves the frames
 * due, and only once a period's worth is available does poll_revents report
 * POLLIN/POLLOUT.  So the ring sees a tick's worth of frames at a time
 * whatever the period (cost: 1000 / TICK_MS wake-ups a second while the
 * application waits), and playback publishes the tick as its burst.  When
 * the application falls behind (playback buffer empty, capture buffer full)
 * the pointer callback reports an xrun (-EPIPE) the ALSA way.  Frames the
 * host delivers late are counted by the core (late_frames) and shown by the
 * host's stats; they are not an ALSA xrun, because the application did
 * nothing wrong.
 *
 * Hardware parameters: the buffer never holds more than half the ring
 * (so no burst, even of an application that never waits, can overrun it),
 * for every sample format; periods are at most half the buffer.
 *
 * No host: the device context plays silence into capture and drops
 * playback, and re-attaches by itself (checked at most every 50 ms from the
 * pointer callback; the only system calls outside open/close/params).
 * Nothing on the IO path allocates, locks or logs.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* timerfd, getuid */
#endif

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "alsa_convert.h"
#include "vocana/region_posix.h"

#define SERVICE_INTERVAL_NS (50ull * 1000000ull)
/* frames moved per ring call: the device context's max IO size */
#define CHUNK_FRAMES 128u
/* the timer's tick: at most a period, at most this long */
#define TICK_MS 2u
/* smallest sample of the accepted formats (S16): buffer limits in bytes use it, so no format
 * gets more frames than the limit */
#define MIN_SAMPLE_BYTES 2u

typedef struct vocana_pcm {
    snd_pcm_ioplug_t io;
    vocana_device dev;
    char dir[PATH_MAX];
    char device_id[VOCANA_DEVICE_ID_SIZE];
    uid_t owner;
    int claim_fd;
    int timer_fd;
    unsigned rate;
    unsigned channels;
    bool running;
    uint64_t start_ns;
    uint64_t start_time;  /* device time (CLOCK_MONOTONIC frames) of the first frame */
    uint64_t frames_done; /* frames the virtual card has played / recorded since start */
    snd_pcm_uframes_t tick; /* frames per timer tick */
    uint64_t last_service_ns;
    float scratch[CHUNK_FRAMES * VOCANA_CHANNELS_MAX];
} vocana_pcm;

static void service(vocana_pcm *p, uint64_t now)
{
    if (now - p->last_service_ns >= SERVICE_INTERVAL_NS || p->last_service_ns == 0) {
        p->last_service_ns = now;
        (void)vocana_device_service(&p->dev, p->dir, p->owner, now);
    }
}

static int arm_timer(vocana_pcm *p, bool on)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (on) {
        uint64_t ns = (uint64_t)p->tick * 1000000000ull / p->rate;
        if (ns == 0)
            ns = 1000000;
        its.it_interval.tv_sec = (time_t)(ns / 1000000000ull);
        its.it_interval.tv_nsec = (long)(ns % 1000000000ull);
        its.it_value = its.it_interval;
    }
    return timerfd_settime(p->timer_fd, 0, &its, NULL) == 0 ? 0 : -errno;
}

static int vp_start(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    p->start_ns = vocana_monotonic_ns();
    p->start_time = vocana_frames_of_ns(p->start_ns, p->rate);
    p->frames_done = 0;
    p->running = true;
    return arm_timer(p, true);
}

static int vp_stop(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    p->running = false;
    return arm_timer(p, false);
}

static enum vocana_alsa_format sample_format(snd_pcm_format_t f)
{
    return f == SND_PCM_FORMAT_S16_LE ? VOCANA_ALSA_S16 : f == SND_PCM_FORMAT_S32_LE ? VOCANA_ALSA_S32 : VOCANA_ALSA_F32;
}

/* Moves `n` frames between ALSA's buffer (at frames_done) and the ring. */
static void move(vocana_pcm *p, snd_pcm_uframes_t n)
{
    const snd_pcm_channel_area_t *areas = snd_pcm_ioplug_mmap_areas(&p->io);
    snd_pcm_uframes_t size = p->io.buffer_size;
    while (n > 0) {
        snd_pcm_uframes_t off = (snd_pcm_uframes_t)(p->frames_done % size);
        snd_pcm_uframes_t run = n;
        if (run > size - off)
            run = size - off;
        if (run > CHUNK_FRAMES)
            run = CHUNK_FRAMES;
        /* interleaved access: one area per channel on the same buffer */
        char *base = (char *)areas[0].addr + (areas[0].first / 8) + (size_t)off * (areas[0].step / 8);
        if (p->io.stream == SND_PCM_STREAM_PLAYBACK) {
            vocana_alsa_to_float(sample_format(p->io.format), base, p->scratch, (uint32_t)run * p->channels);
            (void)vocana_device_write_at(&p->dev, p->scratch, (uint32_t)run, p->start_time + p->frames_done);
        } else {
            (void)vocana_device_read_at(&p->dev, p->scratch, (uint32_t)run, p->start_time + p->frames_done);
            vocana_alsa_from_float(sample_format(p->io.format), p->scratch, base, (uint32_t)run * p->channels);
        }
        p->frames_done += run;
        n -= run;
    }
}

static snd_pcm_sframes_t vp_pointer(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    if (!p->running)
        return (snd_pcm_sframes_t)(p->frames_done % io->buffer_size);
    uint64_t now = vocana_monotonic_ns();
    service(p, now);
    uint64_t due = vocana_alsa_frames_due(p->start_ns, now, p->rate);
    uint64_t todo = due > p->frames_done ? due - p->frames_done : 0;
    /* what the virtual card may move: frames the application wrote and the card has not played
     * (playback), or free space the application has read (capture) */
    snd_pcm_uframes_t ready = snd_pcm_ioplug_hw_avail(io, io->hw_ptr, io->appl_ptr);
    if (todo > ready) {
        move(p, ready);
        if (io->state != SND_PCM_STATE_DRAINING)
            return -EPIPE; /* playback ran dry / capture buffer full: xrun */
    } else {
        move(p, (snd_pcm_uframes_t)todo);
    }
    return (snd_pcm_sframes_t)(p->frames_done % io->buffer_size);
}

static int vp_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds, unsigned short *revents)
{
    vocana_pcm *p = io->private_data;
    if (nfds != 1 || pfd[0].fd != p->timer_fd)
        return -EINVAL;
    uint64_t expirations;
    while (read(p->timer_fd, &expirations, sizeof expirations) == (ssize_t)sizeof expirations) {
        /* drained: the descriptor is non-blocking */
    }
    snd_pcm_sframes_t avail = snd_pcm_avail_update(io->pcm);
    if (avail < 0) {
        *revents = POLLERR;
    } else if ((snd_pcm_uframes_t)avail >= io->period_size) {
        *revents = io->stream == SND_PCM_STREAM_PLAYBACK ? POLLOUT : POLLIN;
    } else {
        *revents = 0;
    }
    return 0;
}

/* Playback: frames the application wrote and the card has not taken yet, plus the time until a
 * recorder of the device hears them: the reader's latency L (abi.h section 6) and the host's
 * chain. Capture: the frames recorded and not read yet. */
static int vp_delay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delayp)
{
    vocana_pcm *p = io->private_data;
    snd_pcm_uframes_t queued = io->stream == SND_PCM_STREAM_PLAYBACK
                                   ? snd_pcm_ioplug_hw_avail(io, io->hw_ptr, io->appl_ptr)
                                   : snd_pcm_ioplug_avail(io, io->hw_ptr, io->appl_ptr);
    *delayp = (snd_pcm_sframes_t)queued;
    if (io->stream == SND_PCM_STREAM_PLAYBACK)
        *delayp += (snd_pcm_sframes_t)vocana_device_host_latency(&p->dev) +
                   (snd_pcm_sframes_t)vocana_device_read_latency(&p->dev);
    return 0;
}

static int vp_prepare(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    p->running = false;
    p->frames_done = 0;
    snd_pcm_uframes_t tick = (snd_pcm_uframes_t)p->rate * TICK_MS / 1000u;
    p->tick = io->period_size < tick ? io->period_size : tick;
    if (p->tick == 0)
        p->tick = 1;
    /* what playback publishes as its burst: a tick, or up to a chunk more when the timer is late */
    vocana_device_set_burst(&p->dev, (uint32_t)p->tick);
    return arm_timer(p, false);
}

static int vp_close(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    if (vocana_device_state(&p->dev) != VOCANA_DEV_DETACHED) {
        vocana_mapping m = {0};
        if (vocana_device_detach(&p->dev, &m.base, &m.size) == VOCANA_OK)
            vocana_region_unmap(&m);
    }
    vocana_unclaim(p->claim_fd);
    if (p->timer_fd >= 0)
        close(p->timer_fd);
    free(p);
    return 0;
}

static const snd_pcm_ioplug_callback_t vocana_callbacks = {
    .start = vp_start,
    .stop = vp_stop,
    .pointer = vp_pointer,
    .poll_revents = vp_poll_revents,
    .prepare = vp_prepare,
    .delay = vp_delay,
    .close = vp_close,
};

/* The device's format from its region if the host runs, else the defaults. */
static void probe_format(const char *dir, const char *id, uid_t owner, unsigned *rate, unsigned *channels,
                         unsigned *capacity)
{
    char path[PATH_MAX];
    if (vocana_region_path(path, sizeof path, dir, id) != VOCANA_OK)
        return;
    vocana_mapping m;
    if (vocana_region_map(path, owner, &m) != VOCANA_OK)
        return;
    vocana_expect ex = {.device_id = id};
    vocana_region_info info;
    if (vocana_region_validate(m.base, m.size, &ex, &info) == VOCANA_OK) {
        *rate = info.sample_rate;
        *channels = info.channels;
        *capacity = info.capacity_frames;
    }
    vocana_region_unmap(&m);
}

static int set_constraints(vocana_pcm *p, unsigned capacity)
{
    static const unsigned accesses[] = {SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED};
    static const unsigned formats[] = {SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE};
    /* the buffer holds at most half the ring, in frames, for every format: bytes counted with the
     * smallest sample, so 4-byte formats get half as many frames */
    unsigned buffer_max = capacity / 2u;
    if (buffer_max > p->rate / 2u)
        buffer_max = p->rate / 2u; /* and at most half a second */
    unsigned min_frame = MIN_SAMPLE_BYTES * p->channels;
    unsigned max_frame = 4u * p->channels;
    int err;
    if ((err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_ACCESS, 2, accesses)) < 0 ||
        (err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_FORMAT, 3, formats)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_CHANNELS, p->channels, p->channels)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_RATE, p->rate, p->rate)) < 0 ||
        /* periods of 32 frames to half the buffer, 2 to 64 of them */
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 32 * max_frame,
                                               (buffer_max / 2u) * min_frame)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_BUFFER_BYTES, 64 * max_frame,
                                               buffer_max * min_frame)) < 0)
        return err;
    return 0;
}

SND_PCM_PLUGIN_DEFINE_FUNC(vocana)
{
    (void)root;
    const char *device = "vocana";
    const char *dir_override = NULL;
    long rate = 48000, channels = 2;
    snd_config_iterator_t i, next;
    snd_config_for_each(i, next, conf)
    {
        snd_config_t *n = snd_config_iterator_entry(i);
        const char *key;
        if (snd_config_get_id(n, &key) < 0)
            continue;
        if (!strcmp(key, "comment") || !strcmp(key, "type") || !strcmp(key, "hint"))
            continue;
        if (!strcmp(key, "device")) {
            if (snd_config_get_string(n, &device) < 0) {
                SNDERR("vocana: 'device' must be a string (a device id, e.g. \"vocana\")");
                return -EINVAL;
            }
        } else if (!strcmp(key, "dir")) {
            if (snd_config_get_string(n, &dir_override) < 0) {
                SNDERR("vocana: 'dir' must be a string (the region folder)");
                return -EINVAL;
            }
        } else if (!strcmp(key, "rate")) {
            if (snd_config_get_integer(n, &rate) < 0 || rate < VOCANA_RATE_MIN || rate > VOCANA_RATE_MAX) {
                SNDERR("vocana: 'rate' must be an integer %d..%d", VOCANA_RATE_MIN, VOCANA_RATE_MAX);
                return -EINVAL;
            }
        } else if (!strcmp(key, "channels")) {
            if (snd_config_get_integer(n, &channels) < 0 || channels < VOCANA_CHANNELS_MIN ||
                channels > VOCANA_CHANNELS_MAX) {
                SNDERR("vocana: 'channels' must be an integer %d..%d", VOCANA_CHANNELS_MIN, VOCANA_CHANNELS_MAX);
                return -EINVAL;
            }
        } else {
            SNDERR("vocana: unknown setting '%s'; accepted: device, dir, rate, channels", key);
            return -EINVAL;
        }
    }
    if (!vocana_device_id_valid(device)) {
        SNDERR("vocana: device id '%s' is not valid: 1-31 of A-Z a-z 0-9 _ . -, not starting with '.'", device);
        return -EINVAL;
    }
    vocana_pcm *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->claim_fd = -1;
    p->timer_fd = -1;
    p->owner = getuid();
    snprintf(p->device_id, sizeof p->device_id, "%s", device);
    int rc = dir_override ? (snprintf(p->dir, sizeof p->dir, "%s", dir_override) < (int)sizeof p->dir
                                 ? VOCANA_OK : VOCANA_E_PATH_TOO_LONG)
                          : vocana_region_dir(p->dir, sizeof p->dir, getenv("XDG_RUNTIME_DIR"), p->owner);
    if (rc != VOCANA_OK) {
        SNDERR("vocana: %s", vocana_strerror(rc));
        free(p);
        return -EINVAL;
    }
    bool playback = stream == SND_PCM_STREAM_PLAYBACK;
    rc = vocana_claim(p->dir, device, playback ? "to-host" : "from-host", p->owner, &p->claim_fd);
    if (rc != VOCANA_OK) {
        SNDERR("vocana: device '%s' %s: %s", device, playback ? "playback" : "capture", vocana_strerror(rc));
        free(p);
        return rc == VOCANA_E_CLAIMED ? -EBUSY : -EACCES;
    }
    unsigned r = (unsigned)rate, c = (unsigned)channels, cap = 0;
    probe_format(p->dir, device, p->owner, &r, &c, &cap);
    if (cap == 0)
        cap = vocana_capacity_for(r, CHUNK_FRAMES); /* what a host will create for this format */
    p->rate = r;
    p->channels = c;
    vocana_device_config cfg = {.sample_rate = r, .channels = c, .max_io_frames = CHUNK_FRAMES,
                                .directions = playback ? VOCANA_DIR_TO_HOST : VOCANA_DIR_FROM_HOST,
                                .clock = VOCANA_CLOCK_MONOTONIC,
                                .burst_frames = r * TICK_MS / 1000u};
    snprintf(cfg.device_id, sizeof cfg.device_id, "%s", device);
    p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    int err;
    if (p->timer_fd < 0 || vocana_device_init(&p->dev, &cfg) != VOCANA_OK) {
        err = p->timer_fd < 0 ? -errno : -EINVAL;
        goto fail;
    }
    p->io.version = SND_PCM_IOPLUG_VERSION;
    p->io.name = "Vocana virtual device";
    p->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC;
    p->io.poll_fd = p->timer_fd;
    p->io.poll_events = POLLIN; /* the timerfd is readable each period; poll_revents turns it into POLLOUT for playback */
    p->io.mmap_rw = 1;
    p->io.callback = &vocana_callbacks;
    p->io.private_data = p;
    if ((err = snd_pcm_ioplug_create(&p->io, name, stream, mode)) < 0)
        goto fail;
    if ((err = set_constraints(p, cap)) < 0) {
        snd_pcm_ioplug_delete(&p->io); /* calls vp_close, which frees p */
        return err;
    }
    *pcmp = p->io.pcm;
    return 0;
fail:
    vocana_unclaim(p->claim_fd);
    if (p->timer_fd >= 0)
        close(p->timer_fd);
    free(p);
    return err < 0 ? err : -EINVAL;
}

SND_PCM_PLUGIN_SYMBOL(vocana)
