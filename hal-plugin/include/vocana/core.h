/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Vocana portable core: rings, region validation, device contexts and the
 * registry.  C11, no OS calls (those live in region_posix.h), no mutable
 * state at file scope: every piece of state is in an object the caller
 * owns.
 *
 * Thread contract (every function says which class it belongs to):
 *   [IO]       may be called on a real-time IO thread: bounded time, no
 *              lock, no allocation, no system call, no logging.
 *   [control]  one control thread per device (or per registry), never an
 *              IO thread.  Control functions of one device must not run
 *              concurrently with each other.
 *   [any]      pure, reentrant.
 */
#ifndef VOCANA_CORE_H
#define VOCANA_CORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vocana/abi.h"

/* ------------------------------------------------------------------------
 * Errors.  0 is success; every other value has a one-line message.
 * ---------------------------------------------------------------------- */
enum vocana_err {
    VOCANA_OK = 0,
    /* arguments and state */
    VOCANA_E_ARG,              /* NULL pointer or invalid argument        */
    VOCANA_E_STATE,            /* operation not valid in the current state */
    VOCANA_E_BUSY,             /* an IO thread still uses the region; retry */
    VOCANA_E_FULL,             /* registry full                            */
    VOCANA_E_EXISTS,           /* device id already registered             */
    VOCANA_E_NOT_FOUND,        /* no such device id                        */
    VOCANA_E_IO_FRAMES,        /* max IO frames out of range               */
    /* region validation (attach) */
    VOCANA_E_MISALIGNED,       /* mapping not 128-byte aligned             */
    VOCANA_E_TOO_SMALL,        /* mapping smaller than the header          */
    VOCANA_E_NOT_READY,        /* magic == 0: host has not published       */
    VOCANA_E_BAD_MAGIC,        /* magic is something else                  */
    VOCANA_E_VERSION,          /* abi_major != VOCANA_ABI_MAJOR            */
    VOCANA_E_HEADER_SIZE,      /* header_size != VOCANA_HEADER_SIZE        */
    VOCANA_E_REGION_SIZE,      /* region_size field != mapped size         */
    VOCANA_E_RATE,             /* sample_rate out of range                 */
    VOCANA_E_CHANNELS,         /* channels out of range                    */
    VOCANA_E_CAPACITY,         /* capacity not a power of two in range     */
    VOCANA_E_LAYOUT,           /* region_size != header + 2 rings          */
    VOCANA_E_DEVICE_ID,        /* device id malformed                      */
    VOCANA_E_NAME,             /* name not NUL-terminated / has controls   */
    VOCANA_E_GENERATION,       /* generation == 0                          */
    VOCANA_E_FLAGS,            /* unknown host flag bits                   */
    VOCANA_E_HOST_STOPPED,     /* host_flags: not RUNNING, or SHUTDOWN     */
    VOCANA_E_POSITIONS,        /* a ring's positions are implausible       */
    VOCANA_E_CHANGED,          /* header changed while being read          */
    VOCANA_E_ID_MISMATCH,      /* region is for another device             */
    VOCANA_E_FORMAT_MISMATCH,  /* rate/channels differ from the device's   */
    VOCANA_E_CAPACITY_TOO_SMALL, /* capacity < 2 x device's max IO frames  */
    /* liveness (detach reasons) */
    VOCANA_E_HOST_GONE,        /* magic withdrawn while attached           */
    VOCANA_E_GENERATION_CHANGED, /* host restarted                         */
    VOCANA_E_HEARTBEAT_STALE,  /* heartbeat did not move within timeout    */
    VOCANA_E_DETACHED,         /* detached on request                      */
    /* POSIX layer */
    VOCANA_E_PATH_TOO_LONG,
    VOCANA_E_DIR_MISSING,
    VOCANA_E_DIR_NOT_DIR,
    VOCANA_E_DIR_OWNER,
    VOCANA_E_DIR_MODE,
    VOCANA_E_OPEN,
    VOCANA_E_FILE_TYPE,
    VOCANA_E_FILE_OWNER,
    VOCANA_E_FILE_MODE,
    VOCANA_E_FILE_SIZE,
    VOCANA_E_MMAP,
    VOCANA_E_CLAIMED,          /* this direction of the device is in use   */
    VOCANA_E_DIR_ACCESS,       /* permission denied on the region directory */
    VOCANA_E_VERSION_OLD,      /* abi_minor below the reader's             */
    VOCANA_E_UNSEALED,         /* region not sealed against shrinking      */
    VOCANA_E_COUNT_           /* number of codes, not an error             */
};

/* [any] One line: what was wrong and what is accepted.  Never NULL. */
const char *vocana_strerror(int err);

/* ------------------------------------------------------------------------
 * Ring views.  A view is one side's PRIVATE handle on a shared ring: the
 * geometry (trusted, validated copy) and this side's own position.
 * ---------------------------------------------------------------------- */
enum vocana_ring_role { VOCANA_PRODUCER = 1, VOCANA_CONSUMER = 2 };

typedef struct vocana_ring {
    struct vocana_ring_ctl *ctl; /* shared, untrusted                     */
    float *data;                 /* shared: capacity * channels floats    */
    uint64_t pos;                /* own position (write or read), private */
    uint32_t capacity;
    uint32_t mask;
    uint32_t channels;
    uint32_t role;
    /* timing model (abi.h section 6), private */
    uint32_t clock;       /* the clock this side counts in (VOCANA_CLOCK_*) */
    uint32_t burst;       /* producer: burst_frames to publish              */
    uint64_t time_base;   /* producer: last published time_base             */
    uint32_t published;   /* producer: clock value last published, or
                             UINT32_MAX before the first write             */
    bool wake;            /* producer: the consumer sleeps and wake_seq moved:
                             vocana_ring_take_wake, then wake it (abi.h 7)  */
} vocana_ring;

/* [control] Bind a view.  capacity: power of two in 1..VOCANA_CAPACITY_MAX
 * (small values are allowed for tests; regions require >= CAPACITY_MIN);
 * channels in range.  The own position starts at the shared value.  The
 * view counts in VOCANA_CLOCK_NONE until vocana_ring_set_clock. */
int vocana_ring_init(vocana_ring *r, struct vocana_ring_ctl *ctl, float *data,
                     uint32_t capacity, uint32_t channels, enum vocana_ring_role role);

/* [IO] producer: write up to `frames` frames from src; returns frames
 * written.  When the ring is full the newest frames are dropped: one
 * overrun and (frames - written) overrun_frames are counted. */
uint32_t vocana_ring_write(vocana_ring *r, const float *src, uint32_t frames);

/* [IO] consumer: read `frames` frames into dst; returns frames of real
 * data; dst is always filled completely (the rest with 0.0f), and a short
 * read counts one underrun and the missing frames. */
uint32_t vocana_ring_read(vocana_ring *r, float *dst, uint32_t frames);

/* [IO] producer: frames that can be written now.  consumer: frames that
 * can be read now.  (An implausible peer position is resynchronised and
 * counted here as in write/read.) */
uint32_t vocana_ring_write_space(vocana_ring *r);
uint32_t vocana_ring_read_avail(vocana_ring *r);
/* [control] The clock the view's timed calls count in and, for a producer,
 * the burst_frames it publishes (abi.h section 6). */
void vocana_ring_set_clock(vocana_ring *r, uint32_t clock, uint32_t burst_frames);

/* [IO] producer: the burst_frames published from now on, without changing the clock: frames
 * already queued keep their stamps, so this needs no empty ring (unlike a new clock or
 * time_base); the reader's L follows at its next read. */
void vocana_ring_set_burst(vocana_ring *r, uint32_t burst_frames);

/* [IO] producer: as vocana_ring_write, for frames whose first has device
 * time t in the view's clock (abi.h section 6): publishes time_base, clock
 * and burst_frames (when they change) before the frames. */
uint32_t vocana_ring_write_at(vocana_ring *r, const float *src, uint32_t frames, uint64_t t);

/* [IO] consumer: the timed read of abi.h section 6.  Fills dst with the
 * frames of device time [t, t + frames) delayed by `latency` frames: late
 * frames are skipped (late_frames), frames the producer never had are
 * silence (*gap_frames += them), frames not there yet are silence: an
 * underrun if upstream had supplied them (their time is before `supplied`,
 * the device time up to which the ring's ultimate source has produced;
 * UINT64_MAX if unknown), a gap otherwise (nothing was playing).  A ring
 * whose producer stamps in another clock than the view's (or none) is read
 * as a FIFO (vocana_ring_read).  fresh: the reader's first read of a stream,
 * whose skips catch up with the producer and are not counted as late, and
 * whose missing frames are a gap, not an underrun (nothing was due to the
 * stream yet).  Returns frames of real data. */
uint32_t vocana_ring_read_at(vocana_ring *r, float *dst, uint32_t frames, uint64_t t,
                             uint32_t latency, uint64_t supplied, uint64_t *gap_frames,
                             bool fresh);

/* [IO] producer: true once after a write found the consumer asleep (abi.h
 * section 7: waiting set; wake_seq has been moved): the caller then wakes
 * the word with the OS (vocana_device_wake_host does for a device). */
bool vocana_ring_take_wake(vocana_ring *r);

/* Consumer only: drops every frame queued now (e.g. audio written before this
 * consumer attached); returns how many.  IO-thread safe: no lock, no call. */
uint32_t vocana_ring_discard(vocana_ring *r);
/* Consumer only: drops up to `frames` queued frames (late audio whose time
 * has passed); returns how many.  IO-thread safe. */
uint32_t vocana_ring_skip(vocana_ring *r, uint32_t frames);

/* ------------------------------------------------------------------------
 * Region validation.
 * ---------------------------------------------------------------------- */
typedef struct vocana_expect {
    const char *device_id;   /* NULL: any                                  */
    uint32_t sample_rate;    /* 0: any                                     */
    uint32_t channels;       /* 0: any                                     */
    uint32_t max_io_frames;  /* 0: no check; else capacity >= 2x this      */
    uint32_t abi_minor;      /* the reader's minor: older regions refused */
} vocana_expect;

/* Private, validated copy of a region's header. */
typedef struct vocana_region_info {
    uint64_t region_size;
    uint64_t generation;
    uint64_t ring_bytes;
    uint32_t sample_rate;
    uint32_t channels;
    uint32_t capacity_frames;
    uint32_t host_flags;
    uint32_t abi_minor;
    uint32_t block_frames;   /* minor 1, untrusted size: use clamped     */
    uint32_t margin_frames;  /* minor 1, untrusted size: use clamped     */
    char device_id[VOCANA_DEVICE_ID_SIZE];
    char name[VOCANA_NAME_SIZE];
} vocana_region_info;

/* [control] Validate `size` bytes at `base` as a region (every header
 * field, see abi.h section 5).  expect may be NULL.  On success fills info
 * and returns VOCANA_OK; otherwise returns the specific error and leaves
 * info unspecified.  Reads only the header (never the ring data). */
int vocana_region_validate(const void *base, size_t size,
                           const vocana_expect *expect, vocana_region_info *info);

/* [any] Device ids: 1..31 chars of [A-Za-z0-9_.-], not starting with '.'. */
bool vocana_device_id_valid(const char *id);

/* Host-side reference initialisation (tests, simulator; the Java host
 * must do the same, in the same order): formats `size` zeroed or reused
 * bytes as a region and publishes magic last with release. */
typedef struct vocana_region_params {
    const char *device_id;
    const char *name;
    uint64_t generation;
    uint64_t start_pos;      /* initial write_pos == read_pos of both rings */
    uint32_t sample_rate;
    uint32_t channels;
    uint32_t capacity_frames;
    uint32_t block_frames;   /* the host's IO block (abi.h section 6)     */
    uint32_t margin_frames;  /* 0: readers use VOCANA_MARGIN_MS           */
} vocana_region_params;
int vocana_region_format(void *base, size_t size, const vocana_region_params *p);

/* ------------------------------------------------------------------------
 * Device contexts.
 * ---------------------------------------------------------------------- */
/* Directions a device context uses (vocana_device_config.directions). */
#define VOCANA_DIR_TO_HOST   1u /* playback: this context writes the "to host" ring  */
#define VOCANA_DIR_FROM_HOST 2u /* capture: this context reads the "from host" ring  */
#define VOCANA_DIR_BOTH      (VOCANA_DIR_TO_HOST | VOCANA_DIR_FROM_HOST)

typedef struct vocana_device_config {
    char device_id[VOCANA_DEVICE_ID_SIZE];
    uint32_t sample_rate;          /* 0: take the region's              */
    uint32_t channels;             /* required                          */
    uint32_t max_io_frames;        /* required, 1..VOCANA_IO_FRAMES_MAX */
    uint64_t heartbeat_timeout_ns; /* 0: VOCANA_HEARTBEAT_TIMEOUT_MS    */
    uint64_t retry_interval_ns;    /* 0: VOCANA_RETRY_INTERVAL_MS       */
    /* VOCANA_DIR_*; 0: both.  A context never touches the ring of a
     * direction it does not use, so two processes (say, an ALSA playback
     * stream and a capture stream) can each serve one direction. */
    uint32_t directions;
    /* The clock the timed IO calls (vocana_device_write_at/read_at) count
     * in, abi.h section 6: VOCANA_CLOCK_MONOTONIC, a private clock
     * (VOCANA_CLOCK_PRIVATE | id), or VOCANA_CLOCK_NONE for a side no clock
     * paces (the simulator's fast mode), whose reads are a plain FIFO. */
    uint32_t clock;
    /* Playback: the most frames by which a write may trail the device time
     * of its frames (the IO cycle or timer tick); 0: max_io_frames. */
    uint32_t burst_frames;
} vocana_device_config;

enum vocana_dev_state {
    VOCANA_DEV_DETACHED = 0, /* no region: silence out, input dropped      */
    VOCANA_DEV_PROBING,      /* region valid, waiting for a heartbeat move */
    VOCANA_DEV_ACTIVE,       /* IO goes through the rings                  */
    VOCANA_DEV_DETACHING     /* gate closed, waiting for IO threads        */
};

enum vocana_action {
    VOCANA_ACT_NONE = 0,
    VOCANA_ACT_ATTACH, /* map the region and call vocana_device_attach     */
    VOCANA_ACT_DETACH  /* call vocana_device_detach, then unmap            */
};

typedef struct vocana_device_stats {
    uint64_t to_host_overruns, to_host_overrun_frames, to_host_faults;
    uint64_t from_host_underruns, from_host_underrun_frames, from_host_faults;
    uint64_t dropped_detached_frames; /* input dropped with no host        */
    uint64_t silence_detached_frames; /* silence played with no host       */
    uint64_t attaches, detaches;
    uint64_t from_host_late_frames;   /* frames skipped: they came too late */
    uint64_t from_host_gap_frames;    /* silence where the host had nothing */
    uint32_t read_latency_frames;     /* L of abi.h section 6, 0 unattached  */
} vocana_device_stats;

typedef struct vocana_device {
    vocana_device_config cfg;
    /* IO gate: bit 31 = open, low bits = IO threads inside. */
    _Atomic uint32_t gate;
    /* used by IO threads only while inside the open gate */
    vocana_ring to_host;   /* producer view */
    vocana_ring from_host; /* consumer view */
    /* timed reads (abi.h section 6): frames of silence where the host had
     * nothing, and the latency L in use (IO thread writes, any reads) */
    _Atomic uint64_t from_host_gap_frames;
    /* the playback IO thread's own: the word to wake after a write found the host asleep
     * (abi.h section 7), taken inside the gate, woken outside it (vocana_device_wake_host) */
    _Atomic uint32_t *wake_word;
    /* the capture IO thread's own: the next timed read starts a stream (after attach or
     * vocana_device_restart_read): what it skips is catching up, not lateness */
    bool from_host_fresh;
    /* the burst_frames playback publishes (vocana_device_set_burst, any thread); the playback
     * IO thread applies it to its view inside the gate, attach takes it for a new view */
    _Atomic uint32_t burst;
    _Atomic uint32_t read_latency;
    _Atomic uint64_t dropped_detached_frames;
    _Atomic uint64_t silence_detached_frames;
    /* control thread only */
    uint32_t state;
    int last_error;
    void *base;
    size_t size;
    vocana_region_info info;
    uint64_t last_heartbeat;
    uint64_t heartbeat_seen_ns;
    uint64_t last_attempt_ns;
    bool attach_due;
    uint64_t attaches, detaches;
} vocana_device;

/* [control] Initialise a context (detached; the first tick asks to attach). */
int vocana_device_init(vocana_device *dev, const vocana_device_config *cfg);

/* [control] The state machine, pure: no system call, time passed in (any
 * monotonic nanosecond clock).  Checks liveness of an attached region,
 * opens the IO gate once the heartbeat moves, closes it when the host is
 * gone, and says what the caller must do next. */
enum vocana_action vocana_device_tick(vocana_device *dev, uint64_t now_ns);

/* [control] Validate a mapping and bind to it (state DETACHED -> PROBING).
 * On error the state stays DETACHED and the caller unmaps. */
int vocana_device_attach(vocana_device *dev, void *base, size_t size, uint64_t now_ns);

/* [control] Close the gate and release the region.  Returns VOCANA_E_BUSY
 * while an IO thread is inside (call again), VOCANA_OK with the mapping to
 * unmap in *base / *size once no IO thread can touch it any more. */
int vocana_device_detach(vocana_device *dev, void **base, size_t *size);

/* IO entry points: at most one thread at a time per direction (write and
 * read may run on two different threads concurrently with each other and
 * with the control thread). */

/* [IO] Application playback into the device -> ring "to host".  Returns
 * frames accepted (0 without host: input dropped and counted). */
uint32_t vocana_device_write(vocana_device *dev, const float *in, uint32_t frames);

/* [IO] Application capture from the device <- ring "from host".  Always
 * fills frames * channels floats; returns frames of real data.  A plain
 * FIFO read: for sides no clock paces. */
uint32_t vocana_device_read(vocana_device *dev, float *out, uint32_t frames);

/* [IO] The timed IO of abi.h section 6: `t` is the device time (in
 * cfg.clock) of the first frame.  write_at stamps the frames; read_at
 * fills the frames of time [t, t + frames) at the latency L of section 6
 * (vocana_device_read_latency), skipping late frames and playing silence
 * for frames the host never had, so no disturbance can latch. */
uint32_t vocana_device_write_at(vocana_device *dev, const float *in, uint32_t frames, uint64_t t);
uint32_t vocana_device_read_at(vocana_device *dev, float *out, uint32_t frames, uint64_t t);

/* [any] The burst_frames this device's playback publishes from its next
 * timed write on (e.g. once a stream's timer tick is known, or from the
 * playback IO thread when its IO cycle changes size); 0: max_io_frames.
 * One relaxed atomic store: IO-thread safe.  The playback IO thread
 * publishes it with its next timed write (vocana_ring_set_burst). */
void vocana_device_set_burst(vocana_device *dev, uint32_t burst_frames);

/* [IO] The next vocana_device_read_at starts a new stream (an application
 * started capturing): frames it skips to reach latency L are not counted as
 * late, frames it misses not as an underrun.  Call it from the capture IO
 * thread, or before it runs. */
void vocana_device_restart_read(vocana_device *dev);

/* [IO] L of abi.h section 6 for this device's "from host" reads, in
 * frames (0 without a host).  IO-thread safe: no lock, no call. */
uint32_t vocana_device_read_latency(vocana_device *dev);

/* [any] Frames of the monotonic clock at `rate`: floor(ns * rate / 1e9),
 * exact in 64-bit arithmetic (VOCANA_CLOCK_MONOTONIC time of `ns`). */
uint64_t vocana_frames_of_ns(uint64_t ns, uint32_t rate);

/* [control] */
/* The host's processing latency in frames (on top of one IO buffer), to add
 * to the latency reported to applications; clamped to the ring capacity, 0
 * without a host.  IO-thread safe: no lock, no call. */
uint32_t vocana_device_host_latency(vocana_device *dev);
/* The sample rate of the live host's region (validated at attach), 0
 * unless ACTIVE (a region whose heartbeat never moved has no say). */
uint32_t vocana_device_host_rate(const vocana_device *dev);
enum vocana_dev_state vocana_device_state(const vocana_device *dev);
int vocana_device_last_error(const vocana_device *dev);
void vocana_device_get_stats(const vocana_device *dev, vocana_device_stats *st);

/* ------------------------------------------------------------------------
 * Registry: caller-owned storage for a fixed number of devices.  Device
 * addresses stay stable while registered (IO threads hold pointers).
 * [control] for every function.
 * ---------------------------------------------------------------------- */
#define VOCANA_REGISTRY_MAX 16u

typedef struct vocana_registry {
    bool used[VOCANA_REGISTRY_MAX];
    vocana_device devices[VOCANA_REGISTRY_MAX];
} vocana_registry;

void vocana_registry_init(vocana_registry *reg);
int vocana_registry_add(vocana_registry *reg, const vocana_device_config *cfg,
                        vocana_device **out);
vocana_device *vocana_registry_find(vocana_registry *reg, const char *device_id);
/* Only a detached device can be removed (VOCANA_E_STATE otherwise); the
 * caller must have stopped every IO thread that holds its pointer. */
int vocana_registry_remove(vocana_registry *reg, const char *device_id);
uint32_t vocana_registry_count(const vocana_registry *reg);
/* i-th registered device in slot order, NULL past the end. */
vocana_device *vocana_registry_at(vocana_registry *reg, uint32_t i);

#endif /* VOCANA_CORE_H */
