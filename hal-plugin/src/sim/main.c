/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vocana-sim: the device simulator (see sim.h and README.md).
 *
 * One thread does everything, in this order per IO cycle:
 *   generate io_frames -> vocana_device_write (to host)
 *   vocana_device_read (from host) -> verify / measure / record
 *   outside the IO part: vocana_device_service every 50 ms, signals.
 * Real-time mode sleeps to absolute deadlines on CLOCK_MONOTONIC; fast
 * mode never sleeps except for 50 us naps while a ring lacks space or data.
 *
 * State: all of it lives in `struct sim` on main's stack.  There is no
 * global variable, not even for signals: SIGINT and SIGTERM are set to
 * their default action and BLOCKED at start, and the loops poll them with
 * sigpending() (at every real-time cycle, every 50 ms in fast mode and in
 * the waits), so a stop request is seen at the next cycle and nothing runs
 * in a signal handler.
 */
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../os/realtime.h"
#include "sim.h"
#include "vocana/region_posix.h"

enum {
    EXIT_SIM_OK = 0,
    EXIT_SIM_VERIFY = 1, /* sequence_errors > 0                            */
    EXIT_SIM_USAGE = 2,  /* bad command line                               */
    EXIT_SIM_HOST = 3,   /* no host / bad region                           */
    EXIT_SIM_IO = 4      /* I/O error on files (and unusable WAV files)    */
};

#define NS_PER_S       UINT64_C(1000000000)
#define NS_PER_MS      UINT64_C(1000000)
#define SERVICE_NS     (50u * NS_PER_MS)   /* vocana_device_service period  */
#define RETRY_NS       (50u * NS_PER_MS)   /* re-attach attempts            */
#define WAIT_POLL_NS   (10u * NS_PER_MS)   /* while waiting for a host      */
#define FAST_NAP_NS    (50u * 1000u)       /* fast mode: ring lacks room/data */
#define DETACHED_NAP_NS (1u * NS_PER_MS)   /* fast mode: no host attached   */
#define FAST_STALL_NS  (500u * NS_PER_MS)  /* fast mode: host makes no progress */
#define LAT_HIST_SECONDS 2u                /* measurable round trip: 0..2 s */
#define PATH_LEN       4096u

typedef struct sim_play {
    FILE *f;
    sim_wav_info wi;
    uint64_t left;   /* frames not yet played */
    uint8_t *bytes;  /* io_frames * block_align */
} sim_play;

typedef struct sim_record {
    FILE *f;
    char tmp[PATH_LEN];
    size_t header_len;
    uint64_t frames;
    uint64_t max_frames;
    uint8_t *bytes;  /* io_frames * channels * 4 */
} sim_record;

typedef struct sim {
    sim_options o;
    char dir[PATH_LEN];
    char path[PATH_LEN];
    uid_t uid;
    sigset_t stop_set;
    bool stop, stopped_by_signal;

    vocana_device dev;
    bool dev_init;
    vocana_region_info info; /* of the first region attached to */
    uint32_t rate, channels, io;

    /* streams, in frames: the write stream (to host) and the read stream
     * (from host) each count every frame of every cycle, attached or not */
    uint64_t w_pos, r_pos;
    uint64_t target;         /* frames to run; UINT64_MAX: unlimited */
    uint64_t frames_written; /* accepted by the to-host ring  */
    uint64_t frames_read;    /* real data from the from-host ring */
    uint64_t late_cycles;
    uint64_t cycles;

    sim_seq_gen seq;
    sim_tone tone;
    sim_latency lat;
    uint32_t *hist;
    sim_seq_verify ver;
    sim_play play;
    sim_record rec;
    float *wbuf, *rbuf;

    /* control */
    uint64_t last_service_ns;
    uint64_t seen_attaches;
    int last_reported_error;
    bool cnt_live;
    uint64_t cnt_last[3], cnt_acc[3]; /* to-host overruns, from-host underruns, late frames */
    uint64_t late_frames;             /* == cnt_acc[2] */
    uint32_t read_latency;            /* the last L of a timed read, 0 before one */

    /* fast mode */
    uint64_t to_peer, from_peer, to_progress_ns, from_progress_ns;
    bool to_stall_noted, from_stall_noted;
    uint64_t detached_since_ns;

    int io_error; /* EXIT_SIM_IO once a file operation failed */
    bool host_lost;
} sim;

/* ---- messages ---------------------------------------------------------- */
static void diag(const sim *s, const char *fmt, ...)
{
    if (s->o.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("vocana-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Error lines are printed even with --quiet: they explain the exit code. */
static void errline(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vocana-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- time and signals -------------------------------------------------- */
static uint64_t now_ns(void)
{
    return vocana_monotonic_ns();
}

static void nap(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / NS_PER_S), (long)(ns % NS_PER_S)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void sleep_until(uint64_t deadline)
{
#if defined(__APPLE__)
    /* no clock_nanosleep on macOS: relative sleeps to the same deadline */
    for (;;) {
        uint64_t t = now_ns();
        if (t >= deadline)
            return;
        nap(deadline - t);
    }
#else
    struct timespec ts = {(time_t)(deadline / NS_PER_S), (long)(deadline % NS_PER_S)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
#endif
}

/* frames -> nanoseconds at the device rate, without overflow for any
 * run length */
static uint64_t frames_ns(const sim *s, uint64_t frames)
{
    return frames / s->rate * NS_PER_S + frames % s->rate * NS_PER_S / s->rate;
}

static void poll_signals(sim *s)
{
    sigset_t p;
    if (sigpending(&p) == 0 && (sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1)) {
        s->stop = true;
        s->stopped_by_signal = true;
    }
}

static int block_stop_signals(sim *s)
{
    /* default action (a shell may have set SIG_IGN for a background job,
     * and an ignored signal never becomes pending), then blocked */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&s->stop_set);
    sigaddset(&s->stop_set, SIGINT);
    sigaddset(&s->stop_set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &s->stop_set, NULL) != 0)
        return -1;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

/* ---- counters ---------------------------------------------------------- */
static void counts_read(const sim *s, uint64_t v[3])
{
    vocana_device_stats st;
    vocana_device_get_stats(&s->dev, &st);
    v[0] = st.to_host_overruns;
    v[1] = st.from_host_underruns;
    v[2] = st.from_host_late_frames;
}

/* Add what the region's counters gained since the last look.  A counter
 * below its last value was reset under us (a host re-initialised the
 * region in place): then all of its current value is new. */
static void counts_sample(sim *s)
{
    if (!s->cnt_live || !s->dev.base)
        return;
    uint64_t v[3];
    counts_read(s, v);
    for (int i = 0; i < 3; i++) {
        s->cnt_acc[i] += v[i] >= s->cnt_last[i] ? v[i] - s->cnt_last[i] : v[i];
        s->cnt_last[i] = v[i];
    }
    s->late_frames = s->cnt_acc[2];
}

static void counts_begin(sim *s)
{
    counts_read(s, s->cnt_last);
    s->cnt_live = true;
}

/* ---- region ------------------------------------------------------------ */
static bool is_active(const sim *s)
{
    return s->dev_init && vocana_device_state(&s->dev) == VOCANA_DEV_ACTIVE;
}

static int peek_region(const sim *s, vocana_region_info *info)
{
    vocana_mapping m;
    int rc;
    if (s->o.shm) {
        rc = vocana_region_map_shm(s->path, s->uid, &m);
    } else {
        rc = vocana_region_dir_check(s->dir, s->uid);
        if (rc != VOCANA_OK)
            return rc;
        rc = vocana_region_map(s->path, s->uid, &m);
    }
    if (rc != VOCANA_OK)
        return rc;
    vocana_expect ex = {.device_id = s->o.device_id};
    rc = vocana_region_validate(m.base, m.size, &ex, info);
    vocana_region_unmap(&m);
    return rc;
}

static void reset_progress(sim *s, uint64_t now)
{
    s->to_peer = atomic_load_explicit(&s->dev.to_host.ctl->read_pos, memory_order_acquire);
    s->from_peer = atomic_load_explicit(&s->dev.from_host.ctl->write_pos, memory_order_acquire);
    s->to_progress_ns = now;
    s->from_progress_ns = now;
    s->to_stall_noted = false;
    s->from_stall_noted = false;
}

static void diag_attached(const sim *s)
{
    diag(s, "attached to %s: generation %llu, %u Hz, %u ch, capacity %u frames, io %u frames (%.3f ms), %s",
         s->path, (unsigned long long)s->dev.info.generation, s->dev.info.sample_rate,
         s->dev.info.channels, s->dev.info.capacity_frames, s->io,
         1000.0 * s->io / s->dev.info.sample_rate, s->o.fast ? "fast" : "real time");
}

static int service_device(sim *s, uint64_t now)
{
    return s->o.shm ? vocana_device_service_shm(&s->dev, s->uid, now)
                    : vocana_device_service(&s->dev, s->dir, s->uid, now);
}

/* One control step: never called inside the IO part of a cycle. */
static void service(sim *s, uint64_t now)
{
    bool was_active = is_active(s);
    counts_sample(s); /* before a possible detach inside the service call */
    int rc = service_device(s, now);
    s->last_service_ns = now;
    bool active = is_active(s);
    if (was_active && !active) {
        s->cnt_live = false;
        int why = vocana_device_last_error(&s->dev);
        if (why == VOCANA_E_HOST_GONE || why == VOCANA_E_GENERATION_CHANGED ||
            why == VOCANA_E_HEARTBEAT_STALE || why == VOCANA_E_HOST_STOPPED) {
            diag(s, "detached from %s: %s", s->path, vocana_strerror(why));
        } else { /* the service call already tried to re-attach, and failed */
            diag(s, "detached from %s: the host went away (re-attaching: %s)", s->path,
                 vocana_strerror(why));
            s->last_reported_error = why;
        }
    }
    if (active && s->dev.attaches != s->seen_attaches) {
        s->seen_attaches = s->dev.attaches;
        s->last_reported_error = VOCANA_OK;
        counts_begin(s);
        reset_progress(s, now);
        /* frames in flight at the restart: whatever the host still had may
         * arrive, then the gap of the frames lost while detached */
        sim_seq_verify_resync(&s->ver, 2u * (uint64_t)s->dev.info.capacity_frames * s->channels);
        diag_attached(s);
    }
    if (!active && rc != VOCANA_OK && rc != s->last_reported_error) {
        s->last_reported_error = rc;
        diag(s, "cannot attach to %s: %s (retrying)", s->path, vocana_strerror(rc));
    }
    poll_signals(s);
}

/* Waits for the first live region (silently: a failure is one line).
 * 0, or an exit code. */
static int wait_for_host(sim *s)
{
    uint64_t start = now_ns();
    uint64_t limit = (uint64_t)llround(s->o.wait_host * 1e9);
    int reason = VOCANA_E_NOT_READY;
    uint64_t probing_since = 0; /* a valid region found: its heartbeat must move */
    for (;;) {
        uint64_t now = now_ns();
        if (!s->dev_init) {
            vocana_region_info info;
            int rc = peek_region(s, &info);
            if (rc == VOCANA_OK) {
                uint32_t limit_io = info.capacity_frames / 2u;
                if (limit_io > VOCANA_IO_FRAMES_MAX)
                    limit_io = VOCANA_IO_FRAMES_MAX;
                if (s->io > limit_io) {
                    errline("--io-frames %u: the region at %s (capacity %u frames) accepts 1..%u",
                            s->io, s->path, info.capacity_frames, limit_io);
                    return EXIT_SIM_USAGE;
                }
                vocana_device_config cfg;
                memset(&cfg, 0, sizeof cfg);
                memcpy(cfg.device_id, s->o.device_id, strlen(s->o.device_id) + 1);
                cfg.sample_rate = info.sample_rate;
                cfg.channels = info.channels;
                cfg.max_io_frames = s->io;
                cfg.retry_interval_ns = RETRY_NS;
                /* real time: frames carry the simulator's own sample clock (abi.h section 6: a
                 * private clock, as it serves both directions itself), the count of frames its
                 * cycles moved, continuous even across a late cycle's new schedule; fast mode: no
                 * clock paces the streams, so the rings are plain FIFOs */
                cfg.clock = s->o.fast ? VOCANA_CLOCK_NONE
                                      : VOCANA_CLOCK_PRIVATE | ((uint32_t)getpid() & 0x7FFFFFFFu);
                cfg.burst_frames = s->io;
                rc = vocana_device_init(&s->dev, &cfg);
                if (rc != VOCANA_OK) { /* cannot happen after validation */
                    errline("cannot use the region at %s: %s", s->path, vocana_strerror(rc));
                    return EXIT_SIM_HOST;
                }
                s->dev_init = true;
                s->info = info;
                s->rate = info.sample_rate;
                s->channels = info.channels;
            } else {
                reason = rc;
            }
        }
        if (s->dev_init) {
            s->last_reported_error = VOCANA_OK;
            int rc = service_device(s, now);
            if (is_active(s)) {
                s->seen_attaches = s->dev.attaches;
                counts_begin(s);
                reset_progress(s, now);
                s->last_service_ns = now;
                return 0; /* announced by main once the setup checks pass */
            }
            bool probing = vocana_device_state(&s->dev) == VOCANA_DEV_PROBING;
            if (!probing)
                probing_since = 0;
            else if (probing_since == 0)
                probing_since = now;
            if (rc != VOCANA_OK)
                reason = rc;
            else if (probing)
                reason = VOCANA_E_HEARTBEAT_STALE; /* valid, but the heartbeat has not moved yet */
            else
                reason = vocana_device_last_error(&s->dev);
        }
        poll_signals(s);
        if (s->stop) {
            errline("interrupted while waiting for a live region at %s", s->path);
            return EXIT_SIM_HOST;
        }
        /* a region found valid in time gets two heartbeat periods to show
         * it is alive, so that even --wait-host 0 can attach to a live host */
        bool proving = probing_since != 0 &&
                       now - probing_since < 2u * VOCANA_HEARTBEAT_PERIOD_MS * NS_PER_MS;
        if (now - start >= limit && !proving) {
            errline("no live region at %s after %g s: %s", s->path, s->o.wait_host,
                    vocana_strerror(reason));
            return EXIT_SIM_HOST;
        }
        uint64_t left = now - start < limit ? limit - (now - start) : WAIT_POLL_NS;
        nap(left < WAIT_POLL_NS ? left : WAIT_POLL_NS);
    }
}

static void release_region(sim *s)
{
    if (!s->dev_init || vocana_device_state(&s->dev) == VOCANA_DEV_DETACHED)
        return;
    for (int i = 0; i < 1000; i++) { /* single-threaded: never busy */
        vocana_mapping m = {0};
        int rc = vocana_device_detach(&s->dev, &m.base, &m.size);
        if (rc == VOCANA_OK) {
            vocana_region_unmap(&m);
            return;
        }
        if (rc != VOCANA_E_BUSY)
            return;
        nap(100000);
    }
}

/* ---- --play ------------------------------------------------------------ */
static int pread_all(void *ctx, uint64_t offset, void *dst, size_t n)
{
    int fd = *(const int *)ctx;
    uint8_t *p = dst;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)offset);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
        offset += (uint64_t)r;
    }
    return 0;
}

static int play_open(sim *s)
{
    const char *path = s->o.play_path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        errline("--play %s: cannot open: %s", path, strerror(errno));
        return EXIT_SIM_IO;
    }
    int fd = fileno(f);
    struct stat st;
    char err[SIM_ERR_LEN];
    if (fstat(fd, &st) != 0) {
        errline("--play %s: cannot stat: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        errline("--play %s: not a regular file", path);
    } else if (sim_wav_parse(pread_all, &fd, (uint64_t)st.st_size, &s->play.wi, err, sizeof err) != 0) {
        errline("--play %s: %s", path, err);
    } else if (fseeko(f, (off_t)s->play.wi.data_offset, SEEK_SET) != 0) {
        errline("--play %s: cannot seek to the data: %s", path, strerror(errno));
    } else {
        s->play.f = f;
        s->play.left = s->play.wi.frames;
        return 0;
    }
    fclose(f);
    return EXIT_SIM_IO;
}

/* The file must have the device's format: decided after attaching. */
static int play_check(const sim *s)
{
    const sim_wav_info *wi = &s->play.wi;
    if (wi->channels != s->channels) {
        errline("--play %s: the file has %u channel(s), the device has %u", s->o.play_path,
                wi->channels, s->channels);
        return EXIT_SIM_IO;
    }
    if (wi->sample_rate != s->rate) {
        errline("--play %s: the file is %u Hz, the device runs at %u Hz", s->o.play_path,
                wi->sample_rate, s->rate);
        return EXIT_SIM_IO;
    }
    return 0;
}

static void play_fill(sim *s, float *dst, uint32_t frames)
{
    uint32_t k = s->play.left < frames ? (uint32_t)s->play.left : frames;
    size_t samples = (size_t)frames * s->channels;
    if (k > 0) {
        size_t bytes = (size_t)k * s->play.wi.block_align;
        if (fread(s->play.bytes, 1, bytes, s->play.f) != bytes) {
            if (ferror(s->play.f))
                errline("--play %s: read error: %s", s->o.play_path, strerror(errno));
            else
                errline("--play %s: the data ends early (file changed while playing?)",
                        s->o.play_path);
            s->io_error = EXIT_SIM_IO;
            k = 0;
            s->play.left = 0;
        } else {
            sim_wav_decode(s->play.wi.encoding, s->channels, s->play.bytes, k, dst);
            s->play.left -= k;
        }
    }
    for (size_t i = (size_t)k * s->channels; i < samples; i++)
        dst[i] = 0.0f; /* the last cycle is padded with silence */
}

/* ---- --record ---------------------------------------------------------- */
static int record_open(sim *s)
{
    const char *path = s->o.record_path;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(base - path) : 0; /* folder part, with its '/' */
    if (base[0] == '\0') {
        errline("--record %s: names a folder, not a file", path);
        return EXIT_SIM_IO;
    }
    /* a hidden temporary name in the same folder, renamed at the end */
    int n = snprintf(s->rec.tmp, sizeof s->rec.tmp, "%.*s.%s.XXXXXX", dirlen, path, base);
    if (n < 0 || (size_t)n >= sizeof s->rec.tmp) {
        errline("--record %s: path too long", path);
        s->rec.tmp[0] = '\0';
        return EXIT_SIM_IO;
    }
    int fd = mkstemp(s->rec.tmp);
    if (fd < 0) {
        errline("--record %s: cannot create a temporary file next to it: %s", path, strerror(errno));
        s->rec.tmp[0] = '\0';
        return EXIT_SIM_IO;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(s->rec.f = fdopen(fd, "wb"))) {
        errline("--record %s: cannot set up %s: %s", path, s->rec.tmp, strerror(errno));
        close(fd);
        unlink(s->rec.tmp);
        s->rec.tmp[0] = '\0';
        return EXIT_SIM_IO;
    }
    return 0;
}

static void record_fail(sim *s, const char *what)
{
    errline("--record %s: %s: %s", s->o.record_path, what, strerror(errno));
    s->io_error = EXIT_SIM_IO;
}

/* Header with 0 frames; rewritten with the real count at the end. */
static void record_start(sim *s)
{
    uint8_t h[SIM_WAV_HEADER_MAX];
    s->rec.header_len = sim_wav_float_header(h, sizeof h, s->rate, s->channels, 0);
    s->rec.max_frames = sim_wav_float_max_frames(s->channels);
    if (fwrite(h, 1, s->rec.header_len, s->rec.f) != s->rec.header_len)
        record_fail(s, "write error");
}

static void record_append(sim *s, const float *buf, uint32_t frames)
{
    if (s->io_error)
        return;
    if (s->rec.frames + frames > s->rec.max_frames) {
        errline("--record %s: more than %llu frames: beyond the 4 GiB limit of a WAV file",
                s->o.record_path, (unsigned long long)s->rec.max_frames);
        s->io_error = EXIT_SIM_IO;
        return;
    }
    size_t samples = (size_t)frames * s->channels;
    sim_wav_encode_float(buf, samples, s->rec.bytes);
    if (fwrite(s->rec.bytes, 4, samples, s->rec.f) != samples) {
        record_fail(s, "write error");
        return;
    }
    s->rec.frames += frames;
}

static void record_abort(sim *s)
{
    if (s->rec.f) {
        fclose(s->rec.f);
        s->rec.f = NULL;
    }
    if (s->rec.tmp[0]) {
        unlink(s->rec.tmp);
        s->rec.tmp[0] = '\0';
    }
}

static void record_finish(sim *s)
{
    uint8_t h[SIM_WAV_HEADER_MAX];
    size_t hl = sim_wav_float_header(h, sizeof h, s->rate, s->channels, s->rec.frames);
    FILE *f = s->rec.f;
    if (hl != s->rec.header_len) {
        errno = EINVAL;
        record_fail(s, "internal error: header size changed");
    } else if (fflush(f) != 0) {
        record_fail(s, "write error");
    } else if (fseeko(f, 0, SEEK_SET) != 0) {
        record_fail(s, "cannot seek");
    } else if (fwrite(h, 1, hl, f) != hl || fflush(f) != 0) {
        record_fail(s, "write error");
    } else if (fsync(fileno(f)) != 0) {
        record_fail(s, "cannot sync");
    } else {
        s->rec.f = NULL;
        if (fclose(f) != 0) {
            record_fail(s, "write error");
        } else if (rename(s->rec.tmp, s->o.record_path) != 0) {
            record_fail(s, "cannot rename the temporary file onto it");
        } else {
            s->rec.tmp[0] = '\0';
            return;
        }
    }
    record_abort(s);
}

/* ---- one IO cycle's halves --------------------------------------------- */
static bool writes_done(const sim *s)
{
    if (s->target != UINT64_MAX && s->w_pos >= s->target)
        return true;
    return s->o.source == SIM_SRC_PLAY && s->play.left == 0;
}

static uint32_t next_write_frames(const sim *s)
{
    uint64_t n = s->io;
    if (s->target != UINT64_MAX && s->target - s->w_pos < n)
        n = s->target - s->w_pos;
    return (uint32_t)n;
}

static void generate(sim *s, uint32_t n)
{
    size_t samples = (size_t)n * s->channels;
    switch (s->o.source) {
    case SIM_SRC_PLAY:
        play_fill(s, s->wbuf, n);
        break;
    case SIM_SRC_TONE:
        sim_tone_fill(&s->tone, s->wbuf, n, s->channels);
        break;
    case SIM_SRC_SEQUENCE:
        sim_seq_gen_fill(&s->seq, s->wbuf, samples);
        break;
    case SIM_SRC_IMPULSE:
        sim_latency_write(&s->lat, s->w_pos, s->wbuf, n);
        break;
    case SIM_SRC_SILENCE:
    default:
        for (size_t i = 0; i < samples; i++)
            s->wbuf[i] = 0.0f;
        break;
    }
}

/* t: device time of the cycle's first frame (real time), or UINT64_MAX (fast mode: FIFO) */
static void write_half(sim *s, uint32_t n, uint64_t t)
{
    generate(s, n);
    s->frames_written += t == UINT64_MAX ? vocana_device_write(&s->dev, s->wbuf, n)
                                         : vocana_device_write_at(&s->dev, s->wbuf, n, t);
    vocana_device_wake_host(&s->dev);
    s->w_pos += n;
}

static void read_half(sim *s, uint32_t n, uint64_t t)
{
    vocana_device_stats st;
    uint64_t moved = 0; /* frames the timed read skipped or filled with silence (abi.h section 6) */
    if (t != UINT64_MAX && s->o.verify_sequence) {
        vocana_device_get_stats(&s->dev, &st);
        moved = st.from_host_gap_frames + st.from_host_late_frames;
    }
    uint32_t got = t == UINT64_MAX ? vocana_device_read(&s->dev, s->rbuf, n)
                                   : vocana_device_read_at(&s->dev, s->rbuf, n, t);
    uint32_t l = t == UINT64_MAX ? 0 : vocana_device_read_latency(&s->dev);
    if (l != 0)
        s->read_latency = l;
    s->frames_read += got;
    if (s->o.verify_sequence) {
        if (t != UINT64_MAX) {
            vocana_device_get_stats(&s->dev, &st);
            moved = st.from_host_gap_frames + st.from_host_late_frames - moved;
        }
        if (moved > 0) {
            /* silence where the host had nothing, or late frames skipped: the sequence may jump
             * here (the loss, if any, is counted); the block only resynchronises */
            sim_seq_verify_resync(&s->ver, (uint64_t)n * s->channels);
            sim_seq_verify_block(&s->ver, s->rbuf, n, n);
        } else {
            sim_seq_verify_block(&s->ver, s->rbuf, got, n);
        }
    }
    if (s->o.source == SIM_SRC_IMPULSE)
        sim_latency_read(&s->lat, s->r_pos, s->rbuf, n);
    if (s->rec.f)
        record_append(s, s->rbuf, n);
    s->r_pos += n;
}

/* ---- the two pacing modes ---------------------------------------------- */
static void run_realtime(sim *s)
{
    uint64_t period = frames_ns(s, s->io);
    uint64_t base = now_ns(); /* schedule: cycle deadlines base + sched frames */
    uint64_t sched = 0;
    while (!s->stop && !s->io_error && !writes_done(s)) {
        uint64_t deadline = base + frames_ns(s, sched);
        sleep_until(deadline);
        uint64_t woke = now_ns();
        if (woke > deadline && woke - deadline > period) {
            /* missed by more than a period: count it and restart the
             * schedule from now instead of bursting to catch up */
            s->late_cycles++;
            base = woke;
            sched = 0;
        }
        uint32_t n = next_write_frames(s);
        /* device time: the frames moved so far (w_pos == r_pos between cycles), exact and
         * continuous; a clock reading per cycle would round to +-1 frame, and a late cycle's new
         * schedule would make the timeline jump under frames still queued */
        uint64_t t = s->w_pos;
        write_half(s, n, t);
        read_half(s, n, t);
        s->cycles++;
        sched += n;
        uint64_t now = now_ns();
        if (now - s->last_service_ns >= SERVICE_NS)
            service(s, now);
        else
            poll_signals(s);
    }
}

static void track_progress(sim *s, uint64_t now)
{
    uint64_t rp = atomic_load_explicit(&s->dev.to_host.ctl->read_pos, memory_order_acquire);
    if (rp != s->to_peer) {
        s->to_peer = rp;
        s->to_progress_ns = now;
        s->to_stall_noted = false;
    }
    uint64_t wp = atomic_load_explicit(&s->dev.from_host.ctl->write_pos, memory_order_acquire);
    if (wp != s->from_peer) {
        s->from_peer = wp;
        s->from_progress_ns = now;
        s->from_stall_noted = false;
    }
}

/*
 * Fast mode: the write and read streams advance independently, each by
 * whole cycles, as fast as the host allows: a write waits for room in the
 * "to host" ring, a read waits for data in the "from host" ring and never
 * gets ahead of the writes.  Nothing is overrun or underrun while the host
 * keeps making progress; if the host makes none on a ring for 500 ms (it
 * does not consume, or does not produce, or holds back a partial block at
 * the end) the simulator stops waiting on that ring (the core then counts
 * overruns / underruns) until the host moves again.  With no host
 * attached the streams stand still; after --wait-host seconds without one
 * the run ends with exit code 3.
 */
static void run_fast(sim *s)
{
    uint64_t wait_ns = (uint64_t)llround(s->o.wait_host * 1e9);
    while (!s->io_error) {
        uint64_t now = now_ns();
        if (now - s->last_service_ns >= SERVICE_NS)
            service(s, now);
        if (s->stop)
            break;
        bool wdone = writes_done(s);
        if (wdone && s->r_pos >= s->w_pos)
            break;
        if (!is_active(s)) {
            if (s->detached_since_ns == 0) {
                s->detached_since_ns = now;
            } else if (now - s->detached_since_ns > wait_ns) {
                errline("the host went away from %s and did not come back within %g s",
                        s->path, s->o.wait_host);
                s->host_lost = true;
                break;
            }
            nap(DETACHED_NAP_NS);
            continue;
        }
        s->detached_since_ns = 0;
        track_progress(s, now);
        bool progress = false;
        /* Frames in flight (written, not yet read back) must fit in the "from host" ring
         * with one IO buffer to spare, or a host that forwards every block would find that
         * ring full and drop frames the verifier then misses. */
        uint64_t in_flight = s->w_pos - s->r_pos;
        bool room_back = in_flight + 2u * (uint64_t)s->io <= s->dev.info.capacity_frames;
        if (!room_back)
            s->to_progress_ns = now; /* waiting on the return path, not on the host */
        if (!wdone && room_back) {
            uint32_t n = next_write_frames(s);
            uint32_t space = vocana_ring_write_space(&s->dev.to_host);
            bool stalled = now - s->to_progress_ns > FAST_STALL_NS;
            if (space >= n || stalled) {
                if (space < n && !s->to_stall_noted) {
                    s->to_stall_noted = true;
                    diag(s, "the host consumed nothing for %llu ms; writing on (overruns possible)",
                         (unsigned long long)(FAST_STALL_NS / NS_PER_MS));
                }
                write_half(s, n, UINT64_MAX);
                progress = true;
            }
        }
        uint64_t behind = s->w_pos - s->r_pos;
        if (behind >= s->io || (wdone && behind > 0)) {
            uint32_t n = behind < s->io ? (uint32_t)behind : s->io;
            uint32_t avail = vocana_ring_read_avail(&s->dev.from_host);
            bool stalled = now - s->from_progress_ns > FAST_STALL_NS;
            if (avail >= n || stalled) {
                if (avail < n && !s->from_stall_noted) {
                    s->from_stall_noted = true;
                    diag(s, "the host produced nothing for %llu ms; reading on (underruns possible)",
                         (unsigned long long)(FAST_STALL_NS / NS_PER_MS));
                }
                read_half(s, n, UINT64_MAX);
                progress = true;
            }
        }
        if (progress)
            s->cycles++;
        else
            nap(FAST_NAP_NS);
    }
}

/* ---- setup and report -------------------------------------------------- */
static int allocate(sim *s)
{
    size_t samples = (size_t)s->io * s->channels;
    s->wbuf = calloc(samples, sizeof(float));
    s->rbuf = calloc(samples, sizeof(float));
    if (!s->wbuf || !s->rbuf)
        return -1;
    if (s->play.f && !(s->play.bytes = malloc((size_t)s->io * s->play.wi.block_align)))
        return -1;
    if (s->rec.f && !(s->rec.bytes = malloc(samples * 4u)))
        return -1;
    if (s->o.source == SIM_SRC_IMPULSE) {
        uint32_t len = LAT_HIST_SECONDS * s->rate + 1u;
        if (!(s->hist = calloc(len, sizeof *s->hist)))
            return -1;
        sim_latency_init(&s->lat, s->rate / 2u, s->channels, s->hist, len);
    }
    return 0;
}

static void report(sim *s)
{
    printf("frames_written %llu\n", (unsigned long long)s->frames_written);
    printf("frames_read %llu\n", (unsigned long long)s->frames_read);
    printf("overruns %llu\n", (unsigned long long)s->cnt_acc[0]);
    printf("underruns %llu\n", (unsigned long long)s->cnt_acc[1]);
    if (s->o.verify_sequence) {
        printf("sequence_frames %llu\n", (unsigned long long)sim_seq_verify_frames(&s->ver));
        printf("sequence_errors %llu\n", (unsigned long long)s->ver.errors);
    }
    if (s->o.source == SIM_SRC_IMPULSE)
        printf("latency_frames %lld\n", (long long)sim_latency_median(&s->lat));
    printf("late_cycles %llu\n", (unsigned long long)s->late_cycles);
    vocana_device_stats st;
    vocana_device_get_stats(&s->dev, &st);
    /* the reader's latency L (abi.h section 6): the round trip is L plus the host's chain */
    printf("read_latency_frames %u\n", s->read_latency);
    printf("late_frames %llu\n", (unsigned long long)s->late_frames);
    fflush(stdout);
}

static void cleanup(sim *s)
{
    release_region(s);
    record_abort(s);
    if (s->play.f)
        fclose(s->play.f);
    free(s->wbuf);
    free(s->rbuf);
    free(s->play.bytes);
    free(s->rec.bytes);
    free(s->hist);
}

static int setup(sim *s, int argc, char **argv)
{
    char err[SIM_ERR_LEN];
    int pr = sim_parse_args(argc, argv, &s->o, err, sizeof err);
    if (pr == SIM_ARGS_HELP) {
        fputs(sim_help_text, stdout);
        fputs(sim_usage_line, stdout);
        fputc('\n', stdout);
        return -1;
    }
    if (pr != SIM_ARGS_OK) {
        errline("%s", err);
        return EXIT_SIM_USAGE;
    }
    s->io = s->o.io_frames;
    s->uid = getuid();
    int rc;
    if (s->o.shm) {
        rc = vocana_region_shm_name(s->path, sizeof s->path, s->o.device_id);
        if (rc != VOCANA_OK) {
            errline("--shm: device id '%s' is %zu characters (accepted: 1..22, the object name /vocana.ID has at most 30)",
                    s->o.device_id, strlen(s->o.device_id));
            return EXIT_SIM_USAGE;
        }
    } else if (s->o.dir) {
        size_t n = strlen(s->o.dir);
        rc = n < sizeof s->dir ? VOCANA_OK : VOCANA_E_PATH_TOO_LONG;
        if (rc == VOCANA_OK)
            memcpy(s->dir, s->o.dir, n + 1);
    } else {
        rc = vocana_region_dir(s->dir, sizeof s->dir, getenv("XDG_RUNTIME_DIR"), s->uid);
    }
    if (rc == VOCANA_OK && !s->o.shm)
        rc = vocana_region_path(s->path, sizeof s->path, s->dir, s->o.device_id);
    if (rc != VOCANA_OK) {
        errline("--dir: %s", vocana_strerror(rc));
        return EXIT_SIM_USAGE;
    }
    if (block_stop_signals(s) != 0) {
        errline("cannot set up SIGINT/SIGTERM handling: %s", strerror(errno));
        return EXIT_SIM_IO;
    }
    /* files first: a bad file is reported without waiting for a host */
    if (s->o.source == SIM_SRC_PLAY && (rc = play_open(s)) != 0)
        return rc;
    if (s->o.record_path && (rc = record_open(s)) != 0)
        return rc;
    if ((rc = wait_for_host(s)) != 0)
        return rc;
    if (s->o.source == SIM_SRC_PLAY && (rc = play_check(s)) != 0)
        return rc;
    if (s->o.source == SIM_SRC_TONE && s->o.tone_hz >= s->rate / 2.0) {
        errline("--tone %g: at or above the Nyquist frequency of the device (%g Hz)", s->o.tone_hz,
                s->rate / 2.0);
        return EXIT_SIM_USAGE;
    }
    if (allocate(s) != 0) {
        errline("out of memory");
        return EXIT_SIM_IO;
    }
    if (s->o.has_frames) {
        s->target = s->o.frames;
    } else if (s->o.has_seconds) {
        double f = round(s->o.seconds * s->rate);
        s->target = f < 1.0 ? 1u : (uint64_t)f;
    } else {
        s->target = UINT64_MAX;
    }
    sim_seq_gen_init(&s->seq);
    sim_seq_verify_init(&s->ver, s->channels);
    if (s->o.source == SIM_SRC_TONE)
        sim_tone_init(&s->tone, s->o.tone_hz, s->o.tone_dbfs, s->rate);
    if (s->rec.f)
        record_start(s);
    return 0;
}

int main(int argc, char **argv)
{
    sim s;
    memset(&s, 0, sizeof s);
    int rc = setup(&s, argc, argv);
    if (rc != 0) {
        cleanup(&s);
        return rc < 0 ? EXIT_SIM_OK : rc;
    }

    diag_attached(&s);
    if (!s.o.fast) { /* this thread is the IO thread: SCHED_FIFO before the loop */
        vocana_rt_result rt;
        vocana_rt_promote_self((int)s.o.rt_priority, &rt);
        diag(&s, "IO thread %s", rt.text);
    }
    uint64_t t0 = now_ns();
    if (s.o.fast)
        run_fast(&s);
    else
        run_realtime(&s);
    counts_sample(&s);
    uint64_t t1 = now_ns();

    if (s.rec.f) {
        if (s.io_error)
            record_abort(&s);
        else
            record_finish(&s);
    }
    if (s.stopped_by_signal)
        diag(&s, "stopped by a signal");
    diag(&s, "%llu cycles, %llu frames in %.3f s", (unsigned long long)s.cycles,
         (unsigned long long)s.w_pos, (double)(t1 - t0) / 1e9);
    report(&s);
    cleanup(&s);

    if (s.io_error)
        return EXIT_SIM_IO;
    if (s.host_lost)
        return EXIT_SIM_HOST;
    if (s.o.verify_sequence && s.ver.errors > 0)
        return EXIT_SIM_VERIFY;
    return EXIT_SIM_OK;
}
