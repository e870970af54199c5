/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ALSA "vocana" PCM: an external I/O plugin (ioplug) that makes a Vocana
 * device usable by any ALSA application.  Playback writes the device's "to
 * host" ring, capture reads its "from host" ring; each open stream serves
 * one direction and claims it exclusively (a second stream gets EBUSY).
 *
 * Timing: no sound card.  While the stream runs, an IO thread of the plugin
 * plays the card: every TICK_MS of CLOCK_MONOTONIC it moves the frames a
 * card would have played (recorded) since start between ALSA's buffer and
 * the ring, stamped with their device time (abi.h section 6: CLOCK_MONOTONIC
 * frames), so the capture side reads them at a fixed latency behind the
 * playback side, whatever the phase of the two streams' periods and however
 * late the application's own thread is scheduled: the application only has
 * to keep its buffer filled (emptied), as with a real card.  The thread asks
 * for SCHED_FIFO (rt_priority, default 70; normal priority where that is
 * not permitted).  A second thread of the stream, at normal priority, does
 * the attach/detach service every 50 ms (open, mmap, flock: file system
 * calls that have no place on the real-time thread; the core's IO gate
 * lets the two run side by side).  The poll descriptor is an
 * eventfd the thread signals when a period's worth can be written (read).
 * When the application falls behind (playback buffer empty, capture buffer
 * full) the thread stops the card and the pointer callback reports an xrun
 * (-EPIPE) the ALSA way.  Frames the host delivers late are counted by the
 * core (late_frames) and shown by the host's stats; they are not an ALSA
 * xrun, because the application did nothing wrong.
 *
 * Hardware parameters: the buffer never holds more than half the ring (so
 * no burst can overrun it), for every sample format; periods are at most
 * half the buffer.
 *
 * No host: the device context plays silence into capture and drops
 * playback, and re-attaches by itself (checked every 50 ms).  Nothing on
 * the IO path allocates, locks or logs; its system calls are the clock, the
 * tick's sleep and the eventfd write.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* eventfd, getuid, clock_nanosleep */
#endif

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "alsa_convert.h"
#include "vocana/region_posix.h"

#define SERVICE_INTERVAL_NS (50ull * 1000000ull)
/* frames moved per ring call: the device context's max IO size */
#define CHUNK_FRAMES 128u
/* the IO thread's tick */
#define TICK_MS 2u
/* smallest sample of the accepted formats (S16): buffer limits in bytes use it, so no format
 * gets more frames than the limit */
#define MIN_SAMPLE_BYTES 2u
#define DEFAULT_RT_PRIORITY 70

enum { IO_IDLE = 0, IO_RUN = 1, IO_QUIT = 2 };

typedef struct vocana_pcm {
    snd_pcm_ioplug_t io;
    vocana_device dev;
    char dir[PATH_MAX];
    char device_id[VOCANA_DEVICE_ID_SIZE];
    uid_t owner;
    int claim_fd;
    int event_fd;
    int rt_priority; /* 0: normal scheduling */
    unsigned rate;
    unsigned channels;
    /* app thread (callbacks) */
    bool running;
    bool thread_up;
    pthread_t thread;
    pthread_t service_thread;
    /* wakes the service thread at once on stop */
    pthread_mutex_t service_lock;
    pthread_cond_t service_cond;
    uint64_t last_service_ns; /* service while the IO thread does not run */
    /* set before the thread starts, then read-only */
    uint64_t start_ns;
    uint64_t start_time;    /* device time (CLOCK_MONOTONIC frames) of the first frame */
    snd_pcm_uframes_t hw0;  /* io->hw_ptr at start: appl_ptr - hw0 = frames the app moved */
    snd_pcm_uframes_t tick; /* frames per tick */
    /* IO thread writes, app thread reads */
    _Atomic uint32_t io_state;
    _Atomic uint64_t frames_done; /* frames the virtual card has played / recorded (release) */
    _Atomic bool xrun;
    _Atomic bool signalled;       /* the eventfd holds a wake-up the app has not taken */
    _Atomic bool rt_ok;
    /* IO thread only */
    uint64_t io_service_ns;
    float scratch[CHUNK_FRAMES * VOCANA_CHANNELS_MAX];
} vocana_pcm;

static void service(vocana_pcm *p, uint64_t now, uint64_t *last)
{
    if (now - *last >= SERVICE_INTERVAL_NS || *last == 0) {
        *last = now;
        (void)vocana_device_service(&p->dev, p->dir, p->owner, now);
    }
}

static void free_pcm(vocana_pcm *p)
{
    pthread_cond_destroy(&p->service_cond);
    pthread_mutex_destroy(&p->service_lock);
    free(p);
}

static enum vocana_alsa_format sample_format(snd_pcm_format_t f)
{
    return f == SND_PCM_FORMAT_S16_LE ? VOCANA_ALSA_S16 : f == SND_PCM_FORMAT_S32_LE ? VOCANA_ALSA_S32 : VOCANA_ALSA_F32;
}

/* The application's pointer, read from the IO thread: a word the app thread stores; relaxed
 * load plus acquire fence (its samples are written before it moves the pointer). */
static snd_pcm_uframes_t appl_frames(vocana_pcm *p)
{
    snd_pcm_uframes_t a = __atomic_load_n(&p->io.appl_ptr, __ATOMIC_RELAXED);
    atomic_thread_fence(memory_order_acquire);
    return a - p->hw0;
}

/* IO thread: moves `n` frames between ALSA's buffer (at `done`) and the ring. */
static void move(vocana_pcm *p, uint64_t done, uint64_t n)
{
    const snd_pcm_channel_area_t *areas = snd_pcm_ioplug_mmap_areas(&p->io);
    snd_pcm_uframes_t size = p->io.buffer_size;
    enum vocana_alsa_format fmt = sample_format(p->io.format);
    while (n > 0) {
        snd_pcm_uframes_t off = (snd_pcm_uframes_t)(done % size);
        uint64_t run = n;
        if (run > size - off)
            run = size - off;
        if (run > CHUNK_FRAMES)
            run = CHUNK_FRAMES;
        /* interleaved access: one area per channel on the same buffer */
        char *base = (char *)areas[0].addr + (areas[0].first / 8) + (size_t)off * (areas[0].step / 8);
        if (p->io.stream == SND_PCM_STREAM_PLAYBACK) {
            vocana_alsa_to_float(fmt, base, p->scratch, (uint32_t)run * p->channels);
            (void)vocana_device_write_at(&p->dev, p->scratch, (uint32_t)run, p->start_time + done);
        } else {
            (void)vocana_device_read_at(&p->dev, p->scratch, (uint32_t)run, p->start_time + done);
            vocana_alsa_from_float(fmt, p->scratch, base, (uint32_t)run * p->channels);
        }
        done += run;
        n -= run;
    }
    vocana_device_wake_host(&p->dev); /* the host sleeps on the ring: one FUTEX_WAKE */
}

/* Frames the application can write (playback) or read (capture) now. */
static snd_pcm_uframes_t app_avail(vocana_pcm *p, uint64_t done)
{
    uint64_t appl = appl_frames(p);
    uint64_t size = p->io.buffer_size;
    if (p->io.stream == SND_PCM_STREAM_PLAYBACK) {
        uint64_t queued = appl - done; /* written, not played */
        return queued > size ? 0 : (snd_pcm_uframes_t)(size - queued);
    }
    uint64_t recorded = done - appl; /* recorded, not read */
    return recorded > size ? (snd_pcm_uframes_t)size : (snd_pcm_uframes_t)recorded;
}

static void wake_app(vocana_pcm *p, uint64_t done)
{
    if (app_avail(p, done) >= p->io.period_size &&
        !atomic_exchange_explicit(&p->signalled, true, memory_order_acq_rel)) {
        uint64_t one = 1;
        (void)!write(p->event_fd, &one, sizeof one);
    }
}

static void *io_thread(void *arg)
{
    vocana_pcm *p = arg;
    if (p->rt_priority > 0) {
        struct sched_param sp = {.sched_priority = p->rt_priority};
        atomic_store_explicit(&p->rt_ok, pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0,
                              memory_order_relaxed);
    }
    uint64_t tick_ns = (uint64_t)p->tick * 1000000000ull / p->rate;
    if (tick_ns == 0)
        tick_ns = 1000000;
    uint64_t next = p->start_ns;
    uint64_t done = 0;
    bool stopped = false; /* the card stopped: an xrun, or a drained playback */
    while (atomic_load_explicit(&p->io_state, memory_order_acquire) == IO_RUN) {
        next += tick_ns;
        struct timespec ts = {.tv_sec = (time_t)(next / 1000000000ull), .tv_nsec = (long)(next % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        uint64_t now = vocana_monotonic_ns();
        if (now > next + 100 * tick_ns)
            next = now; /* the thread was stopped for long: no burst of catch-up ticks */
        if (stopped)
            continue;
        uint64_t due = vocana_alsa_frames_due(p->start_ns, now, p->rate);
        uint64_t todo = due > done ? due - done : 0;
        /* what the card may move: frames written and not played (playback), or free space the
         * application has read (capture) */
        uint64_t appl = appl_frames(p);
        uint64_t ready = p->io.stream == SND_PCM_STREAM_PLAYBACK
                             ? (appl - done <= p->io.buffer_size ? appl - done : 0)
                             : (done - appl <= p->io.buffer_size ? p->io.buffer_size - (done - appl) : 0);
        if (todo > ready) {
            move(p, done, ready);
            done += ready;
            stopped = true;
            /* a drained playback simply ends; anything else is the application's xrun */
            if (__atomic_load_n(&p->io.state, __ATOMIC_RELAXED) != SND_PCM_STATE_DRAINING)
                atomic_store_explicit(&p->xrun, true, memory_order_release);
        } else {
            move(p, done, todo);
            done += todo;
        }
        atomic_store_explicit(&p->frames_done, done, memory_order_release);
        wake_app(p, done);
        if (stopped) { /* let a waiting application see the xrun or the drained end */
            uint64_t one = 1;
            (void)!write(p->event_fd, &one, sizeof one);
        }
    }
    return NULL;
}

/* The attach/detach service while the stream runs, every SERVICE_INTERVAL_NS at normal priority. */
static void *service_thread(void *arg)
{
    vocana_pcm *p = arg;
    pthread_mutex_lock(&p->service_lock);
    while (atomic_load_explicit(&p->io_state, memory_order_acquire) == IO_RUN) {
        pthread_mutex_unlock(&p->service_lock);
        uint64_t now = vocana_monotonic_ns();
        service(p, now, &p->io_service_ns);
        uint64_t wake = now + SERVICE_INTERVAL_NS;
        struct timespec ts = {.tv_sec = (time_t)(wake / 1000000000ull), .tv_nsec = (long)(wake % 1000000000ull)};
        pthread_mutex_lock(&p->service_lock);
        if (atomic_load_explicit(&p->io_state, memory_order_acquire) == IO_RUN)
            (void)pthread_cond_timedwait(&p->service_cond, &p->service_lock, &ts);
    }
    pthread_mutex_unlock(&p->service_lock);
    return NULL;
}

static void stop_thread(vocana_pcm *p)
{
    if (!p->thread_up)
        return;
    pthread_mutex_lock(&p->service_lock);
    atomic_store_explicit(&p->io_state, IO_QUIT, memory_order_release);
    pthread_cond_signal(&p->service_cond);
    pthread_mutex_unlock(&p->service_lock);
    pthread_join(p->thread, NULL);
    pthread_join(p->service_thread, NULL);
    p->thread_up = false;
}

static int vp_start(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    stop_thread(p);
    p->start_ns = vocana_monotonic_ns();
    p->start_time = vocana_frames_of_ns(p->start_ns, p->rate);
    p->hw0 = io->hw_ptr;
    atomic_store_explicit(&p->frames_done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->xrun, false, memory_order_relaxed);
    p->io_service_ns = p->last_service_ns;
    if (io->stream == SND_PCM_STREAM_CAPTURE)
        vocana_device_restart_read(&p->dev); /* a new stream catches up with playback's clock */
    atomic_store_explicit(&p->io_state, IO_RUN, memory_order_release);
    int rc = pthread_create(&p->thread, NULL, io_thread, p);
    if (rc != 0) {
        atomic_store_explicit(&p->io_state, IO_IDLE, memory_order_relaxed);
        return -rc;
    }
    rc = pthread_create(&p->service_thread, NULL, service_thread, p);
    if (rc != 0) {
        atomic_store_explicit(&p->io_state, IO_QUIT, memory_order_release);
        pthread_join(p->thread, NULL);
        atomic_store_explicit(&p->io_state, IO_IDLE, memory_order_relaxed);
        return -rc;
    }
    p->thread_up = true;
    p->running = true;
    return 0;
}

static int vp_stop(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    stop_thread(p);
    p->last_service_ns = p->io_service_ns;
    p->running = false;
    return 0;
}

static snd_pcm_sframes_t vp_pointer(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    if (!p->running) {
        service(p, vocana_monotonic_ns(), &p->last_service_ns);
        return (snd_pcm_sframes_t)(atomic_load_explicit(&p->frames_done, memory_order_acquire) %
                                   io->buffer_size);
    }
    if (atomic_load_explicit(&p->xrun, memory_order_acquire))
        return -EPIPE; /* playback ran dry / capture buffer full: xrun */
    uint64_t done = atomic_load_explicit(&p->frames_done, memory_order_acquire);
    return (snd_pcm_sframes_t)(done % io->buffer_size);
}

static int vp_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds, unsigned short *revents)
{
    vocana_pcm *p = io->private_data;
    if (nfds != 1 || pfd[0].fd != p->event_fd)
        return -EINVAL;
    uint64_t count;
    while (read(p->event_fd, &count, sizeof count) == (ssize_t)sizeof count) {
        /* drained: the descriptor is non-blocking */
    }
    /* only now may the thread signal again: cleared before the drain, a wake-up written in
     * between would be drained and lost, and the application would sleep for good */
    atomic_store_explicit(&p->signalled, false, memory_order_release);
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
    stop_thread(p);
    p->running = false;
    atomic_store_explicit(&p->frames_done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->xrun, false, memory_order_relaxed);
    snd_pcm_uframes_t tick = (snd_pcm_uframes_t)p->rate * TICK_MS / 1000u;
    p->tick = io->period_size < tick ? io->period_size : tick;
    if (p->tick == 0)
        p->tick = 1;
    /* what playback publishes as its burst: frames reach the ring within a tick of their time */
    vocana_device_set_burst(&p->dev, (uint32_t)p->tick);
    return 0;
}

static int vp_close(snd_pcm_ioplug_t *io)
{
    vocana_pcm *p = io->private_data;
    stop_thread(p);
    if (vocana_device_state(&p->dev) != VOCANA_DEV_DETACHED) {
        vocana_mapping m = {0};
        if (vocana_device_detach(&p->dev, &m.base, &m.size) == VOCANA_OK)
            vocana_region_unmap(&m);
    }
    vocana_unclaim(p->claim_fd);
    if (p->event_fd >= 0)
        close(p->event_fd);
    free_pcm(p);
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
        /* periods of 32 frames to half the buffer, 2 to 1024 of them: the IO thread moves audio
         * every tick whatever the period, so small periods need not shrink the buffer (32-frame
         * periods get the whole 8192-frame buffer an application asks for) */
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 32 * max_frame,
                                               (buffer_max / 2u) * min_frame)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0 ||
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
    long rate = 48000, channels = 2, rt_priority = DEFAULT_RT_PRIORITY;
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
        } else if (!strcmp(key, "rt_priority")) {
            if (snd_config_get_integer(n, &rt_priority) < 0 || rt_priority < 0 || rt_priority > 99) {
                SNDERR("vocana: 'rt_priority' must be an integer 0..99 (0: normal scheduling)");
                return -EINVAL;
            }
        } else {
            SNDERR("vocana: unknown setting '%s'; accepted: device, dir, rate, channels, rt_priority", key);
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
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(p);
        return -ENOMEM;
    }
    (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the service thread's deadlines */
    if (pthread_mutex_init(&p->service_lock, NULL) != 0) {
        pthread_condattr_destroy(&ca);
        free(p);
        return -ENOMEM;
    }
    if (pthread_cond_init(&p->service_cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        pthread_mutex_destroy(&p->service_lock);
        free(p);
        return -ENOMEM;
    }
    pthread_condattr_destroy(&ca);
    p->claim_fd = -1;
    p->event_fd = -1;
    p->rt_priority = (int)rt_priority;
    p->owner = getuid();
    snprintf(p->device_id, sizeof p->device_id, "%s", device);
    int rc = dir_override ? (snprintf(p->dir, sizeof p->dir, "%s", dir_override) < (int)sizeof p->dir
                                 ? VOCANA_OK : VOCANA_E_PATH_TOO_LONG)
                          : vocana_region_dir(p->dir, sizeof p->dir, getenv("XDG_RUNTIME_DIR"), p->owner);
    if (rc != VOCANA_OK) {
        SNDERR("vocana: %s", vocana_strerror(rc));
        free_pcm(p);
        return -EINVAL;
    }
    bool playback = stream == SND_PCM_STREAM_PLAYBACK;
    rc = vocana_claim(p->dir, device, playback ? "to-host" : "from-host", p->owner, &p->claim_fd);
    if (rc != VOCANA_OK) {
        SNDERR("vocana: device '%s' %s: %s", device, playback ? "playback" : "capture", vocana_strerror(rc));
        free_pcm(p);
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
    p->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int err;
    if (p->event_fd < 0 || vocana_device_init(&p->dev, &cfg) != VOCANA_OK) {
        err = p->event_fd < 0 ? -errno : -EINVAL;
        goto fail;
    }
    atomic_init(&p->io_state, IO_IDLE);
    atomic_init(&p->frames_done, 0);
    atomic_init(&p->xrun, false);
    atomic_init(&p->signalled, false);
    atomic_init(&p->rt_ok, false);
    p->io.version = SND_PCM_IOPLUG_VERSION;
    p->io.name = "Vocana virtual device";
    p->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC;
    p->io.poll_fd = p->event_fd;
    p->io.poll_events = POLLIN; /* the eventfd is readable when the thread wakes the app; poll_revents turns it into POLLOUT for playback */
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
    if (p->event_fd >= 0)
        close(p->event_fd);
    free_pcm(p);
    return err < 0 ? err : -EINVAL;
}

SND_PCM_PLUGIN_SYMBOL(vocana)
