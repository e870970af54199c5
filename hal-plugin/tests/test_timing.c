/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The timing model of abi.h section 6, replayed frame by frame.
 *
 * A playback device context writes the "to host" ring in bursts of its own
 * period at its own phase (as an ALSA application woken once a period
 * would), a host stand-in carries each block to "from host" with its stamp
 * exactly as the Java host does (from_host.time_base = p + to_host.time_base
 * - q), and a capture device context reads bursts of another period at
 * another phase.  Sample values are the frames' device time, so the
 * recording must be the playback delayed by exactly L, frame for frame:
 * no frame dropped, none inserted, whatever the two periods and phases.
 * The negations: bursts longer than the writer declares, a host stalled for
 * 0.35 s, 1 s and 3 s, a writer that stops: loss is counted, and the offset
 * is exactly L again within 100 ms of the disturbance ending. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#define RATE 48000u
#define CH 1u
#define CAP 32768u
#define BLOCK 128u
#define MS UINT64_C(1000000)
#define MAX_BURST 8192u
#define RECOVER_FRAMES (RATE / 10u) /* 100 ms */

typedef struct schedule {
    uint32_t wperiod, wphase; /* writer: writes [t - wperiod, t) when (t - wphase) % wperiod == 0 */
    uint32_t declared;        /* the burst the writer publishes (0: its period)                  */
    uint32_t rperiod, rphase; /* reader: reads [t - rperiod, t) likewise                         */
    uint64_t stall_at, stall_len; /* host does nothing during [stall_at, stall_at + stall_len)    */
    uint64_t quiet_at, quiet_len; /* writer writes nothing during that time (it stopped)          */
    uint64_t rpause_at, rpause_len; /* reader reads nothing during that time (an application stopped) */
    uint32_t host_blocks;     /* blocks the host carries per frame of time at most (0: all there are) */
    uint64_t frames;          /* simulated time                                                  */
} schedule;

typedef struct outcome {
    uint64_t wrong;        /* frames after start-up that are not exactly time - L               */
    uint64_t wrong_after;  /* ...of those, frames more than 100 ms after a disturbance ended     */
    uint64_t first_ok;     /* time of the first exact frame                                      */
    uint32_t latency;      /* L used by the reader                                               */
    uint64_t late, underrun_frames, overrun_frames, gap;
    uint64_t late_after_start, underruns_after_start; /* counted after the first exact frame */
    uint64_t misplaced;    /* frames neither exactly time - L nor silence: read at a wrong time */
} outcome;

static vocana_device_config dev_cfg(uint32_t dirs, uint32_t burst)
{
    vocana_device_config c;
    memset(&c, 0, sizeof c);
    strcpy(c.device_id, "mic");
    c.channels = CH;
    c.sample_rate = RATE;
    c.max_io_frames = BLOCK;
    c.directions = dirs;
    c.clock = VOCANA_CLOCK_MONOTONIC;
    c.burst_frames = burst;
    return c;
}

static void make_active(vocana_device *d, tu_region *r)
{
    CHECK_EQ(vocana_device_tick(d, 1), VOCANA_ACT_ATTACH);
    CHECK_RC(vocana_device_attach(d, r->base, r->size, 1), VOCANA_OK);
    tu_heartbeat(r);
    CHECK_EQ(vocana_device_tick(d, 2), VOCANA_ACT_NONE);
    CHECK_EQ(vocana_device_state(d), VOCANA_DEV_ACTIVE);
}

/* the Java host's engine: whole blocks, stamp carried (DeviceEngine + FromHostWriter.writeAt) */
static void host_step(tu_region *r, vocana_ring *in, vocana_ring *out, float *buf, uint32_t max_blocks)
{
    for (uint32_t b = 0; (max_blocks == 0 || b < max_blocks) && vocana_ring_read_avail(in) >= BLOCK; b++) {
        uint32_t clock = atomic_load_explicit(&r->h->to_host.clock, memory_order_relaxed);
        uint64_t t0 = in->pos + atomic_load_explicit(&r->h->to_host.time_base, memory_order_relaxed);
        CHECK_EQ(vocana_ring_read(in, buf, BLOCK), BLOCK);
        if (out->clock != clock)
            vocana_ring_set_clock(out, clock, 0);
        (void)vocana_ring_write_at(out, buf, BLOCK, t0);
    }
}

static outcome replay(const schedule *s)
{
    outcome o;
    memset(&o, 0, sizeof o);
    tu_region r = tu_region_new("mic", RATE, CH, CAP, 5, UINT64_C(1) << 40);
    r.h->block_frames = BLOCK;
    vocana_ring in, out;
    CHECK_RC(vocana_ring_init(&in, &r.h->to_host, tu_ring_data(&r, VOCANA_RING_TO_HOST), CAP, CH,
                              VOCANA_CONSUMER), VOCANA_OK);
    CHECK_RC(vocana_ring_init(&out, &r.h->from_host, tu_ring_data(&r, VOCANA_RING_FROM_HOST), CAP, CH,
                              VOCANA_PRODUCER), VOCANA_OK);
    vocana_device play, rec;
    vocana_device_config pc = dev_cfg(VOCANA_DIR_TO_HOST, s->declared ? s->declared : s->wperiod);
    vocana_device_config rc = dev_cfg(VOCANA_DIR_FROM_HOST, 0);
    CHECK_RC(vocana_device_init(&play, &pc), VOCANA_OK);
    CHECK_RC(vocana_device_init(&rec, &rc), VOCANA_OK);
    make_active(&play, &r);
    make_active(&rec, &r);
    float *wbuf = malloc(MAX_BURST * sizeof(float));
    float *rbuf = malloc(MAX_BURST * sizeof(float));
    float *hbuf = malloc(BLOCK * sizeof(float));
    /* device time starts far from 0 (CLOCK_MONOTONIC frames after hours of uptime) */
    const uint64_t t0 = UINT64_C(48000) * 3600u * 5u;
    uint64_t disturbed_until = 0;
    if (s->stall_len)
        disturbed_until = s->stall_at + s->stall_len;
    if (s->quiet_len && s->quiet_at + s->quiet_len > disturbed_until)
        disturbed_until = s->quiet_at + s->quiet_len;
    if (s->rpause_len && s->rpause_at + s->rpause_len > disturbed_until)
        disturbed_until = s->rpause_at + s->rpause_len;
    o.first_ok = UINT64_MAX;
    vocana_device_stats start;
    memset(&start, 0, sizeof start);
    for (uint64_t t = 1; t <= s->frames; t++) {
        bool quiet = s->quiet_len && t >= s->quiet_at && t < s->quiet_at + s->quiet_len;
        if (t >= s->wperiod && (t - s->wphase) % s->wperiod == 0 && !quiet) {
            for (uint32_t i = 0; i < s->wperiod; i++)
                wbuf[i] = (float)(t - s->wperiod + i);
            (void)vocana_device_write_at(&play, wbuf, s->wperiod, t0 + t - s->wperiod);
        }
        bool stalled = s->stall_len && t >= s->stall_at && t < s->stall_at + s->stall_len;
        if (!stalled)
            host_step(&r, &in, &out, hbuf, s->host_blocks);
        bool rpaused = s->rpause_len && t >= s->rpause_at && t < s->rpause_at + s->rpause_len;
        if (t >= s->rperiod && (t - s->rphase) % s->rperiod == 0 && !rpaused) {
            uint64_t c = t - s->rperiod;
            (void)vocana_device_read_at(&rec, rbuf, s->rperiod, t0 + c);
            o.latency = vocana_device_read_latency(&rec);
            bool started = o.first_ok != UINT64_MAX;
            for (uint32_t i = 0; i < s->rperiod; i++) {
                uint64_t ct = c + i;
                bool exact = ct >= o.latency && rbuf[i] == (float)(ct - o.latency);
                /* start-up ends with the first frame of real audio (value > 0) at latency L */
                if (exact && rbuf[i] > 0.0f && o.first_ok == UINT64_MAX)
                    o.first_ok = ct;
                if (!exact && rbuf[i] != 0.0f)
                    o.misplaced++;
                if (!exact && o.first_ok != UINT64_MAX && !(s->rpause_len && ct >= s->rpause_at &&
                                                            ct < s->rpause_at + s->rpause_len)) {
                    o.wrong++;
                    if (ct > disturbed_until + RECOVER_FRAMES)
                        o.wrong_after++;
                }
            }
            if (!started && o.first_ok != UINT64_MAX)
                vocana_device_get_stats(&rec, &start);
        }
    }
    vocana_device_stats st;
    vocana_device_get_stats(&rec, &st);
    o.late = st.from_host_late_frames;
    o.underrun_frames = st.from_host_underrun_frames;
    o.late_after_start = st.from_host_late_frames - start.from_host_late_frames;
    o.underruns_after_start = st.from_host_underrun_frames - start.from_host_underrun_frames;
    o.gap = st.from_host_gap_frames;
    vocana_device_get_stats(&play, &st);
    o.overrun_frames = st.to_host_overrun_frames;
    void *b;
    size_t sz;
    CHECK_RC(vocana_device_detach(&play, &b, &sz), VOCANA_OK);
    CHECK_RC(vocana_device_detach(&rec, &b, &sz), VOCANA_OK);
    free(wbuf);
    free(rbuf);
    free(hbuf);
    tu_region_free(&r);
    return o;
}

static uint32_t margin_frames(void)
{
    return (RATE * VOCANA_MARGIN_MS + 999u) / 1000u;
}

/* Every pair of periods a client uses (ALSA's 32 to 6000, PipeWire quanta, the host block), at
 * several phases: the recording is the playback delayed by exactly L, with nothing lost. */
static void test_timing_bursty_schedules_are_lossless(void)
{
    static const uint32_t periods[] = {32, 96, 128, 1000, 1024, 4096, 6000};
    const size_t np = sizeof periods / sizeof periods[0];
    int cells = 0;
    for (size_t a = 0; a < np; a++) {
        for (size_t b = 0; b < np; b++) {
            for (uint32_t ph = 0; ph < 3; ph++) {
                schedule s = {.wperiod = periods[a], .wphase = ph * periods[a] / 3u,
                              .rperiod = periods[b], .rphase = (2u * ph + 1u) * periods[b] / 5u,
                              .frames = RATE};
                outcome o = replay(&s);
                uint32_t want = periods[a] + BLOCK + margin_frames();
                cells++;
                /* the first frame of audio is the writer's first (time wphase) at latency L, or
                 * the reader's first if it starts later */
                uint64_t first = (s.wphase ? s.wphase : 1u) + want;
                if (first < s.rphase % s.rperiod)
                    first = s.rphase % s.rperiod;
                /* a reader whose first read comes after more than L + capacity/4 frames were
                 * written drops that backlog first (as an attach does): its first exact frame then
                 * comes within its first two reads */
                uint64_t first_read = s.rphase % s.rperiod + s.rperiod;
                bool backlog = first_read > (s.wphase ? s.wphase : 1u) + want + CAP / 4u;
                bool first_ok = backlog ? o.first_ok <= first_read + s.rperiod + want : o.first_ok == first;
                if (o.wrong || o.late_after_start || o.underruns_after_start || o.latency != want ||
                    !first_ok || o.overrun_frames) {
                    fprintf(stderr, "    write %u@%u read %u@%u: %llu wrong, late %llu, underrun %llu, "
                                    "L %u (want %u), first exact %llu, overrun %llu\n",
                            s.wperiod, s.wphase, s.rperiod, s.rphase, (unsigned long long)o.wrong,
                            (unsigned long long)o.late_after_start, (unsigned long long)o.underruns_after_start,
                            o.latency, want, (unsigned long long)o.first_ok, (unsigned long long)o.overrun_frames);
                    th_failures++;
                }
            }
        }
    }
    CHECK_EQ(cells, 147);
}

/* The negation: a writer whose bursts are longer than it declares loses frames, and the core
 * says so (late frames, underruns); the offset after each loss is still exactly L. */
static void test_timing_undeclared_bursts_are_counted(void)
{
    schedule s = {.wperiod = 1024, .declared = 128, .rperiod = 128, .rphase = 17, .frames = RATE};
    outcome o = replay(&s);
    CHECK_EQ(o.latency, 128u + BLOCK + margin_frames());
    CHECK(o.wrong > 0);
    CHECK(o.late_after_start > 0);
    /* the writer (not the host) was late: its frames were silence where they were due (a gap:
     * nothing had been supplied), then dropped as late when they came; the host is not blamed */
    CHECK_EQ(o.underruns_after_start, 0);
    CHECK(o.gap >= o.late_after_start);
}

/* Host stalls (SIGSTOP of 0.35 s, 1 s, 3 s) and a writer that stops for 2 s: counted, never
 * latched: every frame from 100 ms after the disturbance on is exactly time - L again. */
static void test_timing_recovers_from_stalls(void)
{
    static const uint64_t stalls[] = {RATE * 35u / 100u, RATE, 3u * RATE};
    for (size_t i = 0; i < sizeof stalls / sizeof stalls[0]; i++) {
        schedule s = {.wperiod = 96, .rperiod = 1024, .rphase = 300, .stall_at = RATE / 2u,
                      .stall_len = stalls[i], .frames = RATE / 2u + stalls[i] + RATE};
        outcome o = replay(&s);
        CHECK_EQ(o.latency, 96u + BLOCK + margin_frames());
        CHECK(o.wrong > 0);            /* the stall cost audio... */
        CHECK(o.late + o.underrun_frames > 0); /* ...and said so */
        CHECK_EQ(o.wrong_after, 0);    /* ...and none after recovery */
        if (stalls[i] > CAP)           /* longer than the ring: the writer dropped, and counted */
            CHECK(o.overrun_frames > 0);
        if (o.wrong_after)
            fprintf(stderr, "    stall %llu frames: %llu wrong after recovery\n",
                    (unsigned long long)stalls[i], (unsigned long long)o.wrong_after);
    }
    schedule q = {.wperiod = 128, .rperiod = 128, .rphase = 64, .quiet_at = RATE / 2u,
                  .quiet_len = 2u * RATE, .frames = 4u * RATE};
    outcome o = replay(&q);
    CHECK(o.gap > 0 || o.underrun_frames > 0); /* the writer's silence is silence */
    CHECK_EQ(o.wrong_after, 0);
    CHECK_EQ(o.overrun_frames, 0);
}

/* A reader that stops reading for 2 s (its application stopped; the device stays attached) while
 * the host fills its ring and then drops on the full ring: when it reads again, the stale backlog
 * goes and it is exactly L late within 100 ms, instead of waiting for good on frames whose stamps
 * the drops moved. */
static void test_timing_stopped_reader_recovers(void)
{
    schedule s = {.wperiod = 96, .rperiod = 1024, .rphase = 100, .rpause_at = RATE,
                  .rpause_len = 2u * RATE, .frames = 5u * RATE};
    outcome o = replay(&s);
    CHECK_EQ(o.latency, 96u + BLOCK + margin_frames());
    CHECK_EQ(o.wrong_after, 0);
    CHECK(o.late > 0); /* the backlog was dropped, and counted */
    if (o.wrong_after)
        fprintf(stderr, "    stopped reader: %llu wrong after recovery\n", (unsigned long long)o.wrong_after);
}

/* The writer's timeline jumps (an application restarted after an xrun, or a full ring made it
 * drop) while frames are queued in both rings: a new time_base waits for an empty ring, so no
 * queued frame is read at a wrong time: every frame is exactly time - L or silence. */
static void test_timing_timeline_jump_misplaces_nothing(void)
{
    /* a 1 s stall: the writer drops on its full ring; the host then catches up a block per frame
     * of time, so the writer writes with its new time_base while old frames are still queued */
    schedule s = {.wperiod = 96, .rperiod = 128, .rphase = 50, .stall_at = RATE / 2u,
                  .stall_len = RATE, .host_blocks = 1, .frames = 3u * RATE};
    outcome o = replay(&s);
    CHECK_EQ(o.misplaced, 0);
    CHECK_EQ(o.wrong_after, 0);
    CHECK(o.overrun_frames > 0);
}

/* An untimed producer (clock NONE) is read as a FIFO, so the simulator's fast mode and old
 * device sides keep their behaviour; a reader in another clock does the same. */
static void test_timing_fifo_without_common_clock(void)
{
    tu_region r = tu_region_new("mic", RATE, CH, CAP, 5, 0);
    vocana_ring out;
    CHECK_RC(vocana_ring_init(&out, &r.h->from_host, tu_ring_data(&r, VOCANA_RING_FROM_HOST), CAP, CH,
                              VOCANA_PRODUCER), VOCANA_OK);
    vocana_device rec;
    vocana_device_config rc = dev_cfg(VOCANA_DIR_FROM_HOST, 0);
    CHECK_RC(vocana_device_init(&rec, &rc), VOCANA_OK);
    make_active(&rec, &r);
    float buf[64], got[64];
    for (int i = 0; i < 64; i++)
        buf[i] = (float)(i + 1);
    CHECK_EQ(vocana_ring_write(&out, buf, 64), 64);
    CHECK_EQ(atomic_load(&r.h->from_host.clock), VOCANA_CLOCK_NONE);
    /* any time at all: the frames come in order */
    CHECK_EQ(vocana_device_read_at(&rec, got, 32, UINT64_C(123456789)), 32);
    CHECK(memcmp(got, buf, 32 * sizeof(float)) == 0);
    /* a stamp changes only into an empty ring: refused (dropped, counted) while 32 are queued */
    vocana_ring_set_clock(&out, VOCANA_CLOCK_PRIVATE | 42u, 0);
    CHECK_EQ(vocana_ring_write_at(&out, buf, 16, 7), 0);
    CHECK_EQ(atomic_load(&r.h->from_host.clock), VOCANA_CLOCK_NONE);
    CHECK_EQ(vocana_device_read_at(&rec, got, 32, 0), 32);
    CHECK(memcmp(got, buf + 32, 32 * sizeof(float)) == 0);
    /* stamped in a private clock that is not the reader's: still a FIFO */
    CHECK_EQ(vocana_ring_write_at(&out, buf, 16, 7), 16);
    CHECK_EQ(atomic_load(&r.h->from_host.clock), VOCANA_CLOCK_PRIVATE | 42u);
    CHECK_EQ(vocana_device_read_at(&rec, got, 16, 0), 16);
    CHECK(memcmp(got, buf, 16 * sizeof(float)) == 0);
    void *b;
    size_t sz;
    CHECK_RC(vocana_device_detach(&rec, &b, &sz), VOCANA_OK);
    tu_region_free(&r);
}

/* Untrusted stamps: a hostile time_base, clock or burst can misplace audio but never make a read
 * touch memory outside the ring or return more than asked; L stays within the ring. */
static void test_timing_hostile_stamps(void)
{
    tu_region r = tu_region_new("mic", RATE, CH, CAP, 5, 0);
    vocana_device rec;
    vocana_device_config rc = dev_cfg(VOCANA_DIR_FROM_HOST, 0);
    CHECK_RC(vocana_device_init(&rec, &rc), VOCANA_OK);
    make_active(&rec, &r);
    atomic_store(&r.h->to_host.burst_frames, UINT32_MAX);
    atomic_store(&r.h->from_host.clock, VOCANA_CLOCK_MONOTONIC);
    static const uint64_t bases[] = {0, 1, UINT64_MAX, UINT64_C(1) << 63, (UINT64_C(1) << 63) - 1};
    float got[256];
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        atomic_store(&r.h->from_host.time_base, bases[i]);
        atomic_store(&r.h->from_host.write_pos, atomic_load(&r.h->from_host.read_pos) + 100u);
        uint32_t n = vocana_device_read_at(&rec, got, 256, UINT64_C(99) << 32);
        CHECK(n <= 100u);
        CHECK(vocana_device_read_latency(&rec) <= 3u * (CAP / 4u));
    }
    void *b;
    size_t sz;
    CHECK_RC(vocana_device_detach(&rec, &b, &sz), VOCANA_OK);
    tu_region_free(&r);
}

/* vocana_device_set_burst while frames are queued (a playback IO thread whose cycle changed
 * size): published with the next write, which is not dropped (queued frames keep their stamps,
 * only a new time_base needs an empty ring), and the reader's L follows.  And a stream's first
 * read (fresh) counts neither the frames it skips nor the ones it misses: nothing was due to it. */
static void test_timing_burst_change_and_fresh_reads(void)
{
    tu_region r = tu_region_new("mic", RATE, CH, CAP, 5, 0);
    r.h->block_frames = BLOCK;
    vocana_device play, rec;
    vocana_device_config pc = dev_cfg(VOCANA_DIR_TO_HOST, 96);
    vocana_device_config rc = dev_cfg(VOCANA_DIR_FROM_HOST, 0);
    CHECK_RC(vocana_device_init(&play, &pc), VOCANA_OK);
    CHECK_RC(vocana_device_init(&rec, &rc), VOCANA_OK);
    make_active(&play, &r);
    make_active(&rec, &r);
    static float buf[1024];
    const uint64_t t0 = UINT64_C(1) << 33;
    CHECK_EQ(vocana_device_write_at(&play, buf, 256, t0), 256);
    CHECK_EQ(atomic_load(&r.h->to_host.burst_frames), 96);
    vocana_device_set_burst(&play, 512);
    CHECK_EQ(atomic_load(&r.h->to_host.burst_frames), 96); /* not before the next write */
    CHECK_EQ(vocana_device_write_at(&play, buf, 256, t0 + 256), 256);
    CHECK_EQ(atomic_load(&r.h->to_host.burst_frames), 512);
    CHECK_EQ(atomic_load(&r.h->to_host.overruns), 0);
    CHECK_EQ(atomic_load(&r.h->to_host.write_pos), 512);
    CHECK_EQ(vocana_device_read_latency(&rec), 512u + BLOCK + margin_frames());
    vocana_device_set_burst(&play, 0); /* 0: the device's max IO frames */
    CHECK_EQ(vocana_device_write_at(&play, buf, 16, t0 + 512), 16);
    CHECK_EQ(atomic_load(&r.h->to_host.burst_frames), BLOCK);
    /* the host has delivered frames of long ago, none of the new ones yet */
    vocana_ring out;
    CHECK_RC(vocana_ring_init(&out, &r.h->from_host, tu_ring_data(&r, VOCANA_RING_FROM_HOST), CAP, CH,
                              VOCANA_PRODUCER), VOCANA_OK);
    vocana_ring_set_clock(&out, VOCANA_CLOCK_MONOTONIC, 0);
    CHECK_EQ(vocana_ring_write_at(&out, buf, 64, t0 - 10000), 64);
    uint32_t L = vocana_device_read_latency(&rec);
    CHECK_EQ(vocana_device_read_at(&rec, buf, 128, t0 + L), 0); /* fresh (attach): skips, misses */
    CHECK_EQ(atomic_load(&r.h->from_host.late_frames), 0);
    CHECK_EQ(atomic_load(&r.h->from_host.underruns), 0);
    CHECK_EQ(vocana_device_read_at(&rec, buf, 128, t0 + L + 128), 0); /* now the host is late */
    CHECK_EQ(atomic_load(&r.h->from_host.underruns), 1);
    CHECK_EQ(atomic_load(&r.h->from_host.underrun_frames), 128);
    vocana_device_restart_read(&rec); /* a new stream: not the host's fault again */
    CHECK_EQ(vocana_device_read_at(&rec, buf, 128, t0 + L + 256), 0);
    CHECK_EQ(atomic_load(&r.h->from_host.underruns), 1);
    void *b;
    size_t sz;
    CHECK_RC(vocana_device_detach(&play, &b, &sz), VOCANA_OK);
    CHECK_RC(vocana_device_detach(&rec, &b, &sz), VOCANA_OK);
    tu_region_free(&r);
}

static void test_timing_frames_of_ns(void)
{
    CHECK_EQ(vocana_frames_of_ns(0, 48000), 0);
    CHECK_EQ(vocana_frames_of_ns(UINT64_C(1000000000), 48000), 48000);
    CHECK_EQ(vocana_frames_of_ns(20833, 48000), 0);   /* 0.99996 frames */
    CHECK_EQ(vocana_frames_of_ns(20834, 48000), 1);
    /* a year of uptime at 384 kHz: no overflow, exact */
    uint64_t year = UINT64_C(31536000) * UINT64_C(1000000000) + 123456789u;
    CHECK_EQ(vocana_frames_of_ns(year, 384000), UINT64_C(31536000) * 384000u + 47407u);
}

const th_test timing_tests[] = {
    {"timing_bursty_schedules_are_lossless", test_timing_bursty_schedules_are_lossless},
    {"timing_undeclared_bursts_are_counted", test_timing_undeclared_bursts_are_counted},
    {"timing_recovers_from_stalls", test_timing_recovers_from_stalls},
    {"timing_stopped_reader_recovers", test_timing_stopped_reader_recovers},
    {"timing_timeline_jump_misplaces_nothing", test_timing_timeline_jump_misplaces_nothing},
    {"timing_fifo_without_common_clock", test_timing_fifo_without_common_clock},
    {"timing_hostile_stamps", test_timing_hostile_stamps},
    {"timing_burst_change_and_fresh_reads", test_timing_burst_change_and_fresh_reads},
    {"timing_frames_of_ns", test_timing_frames_of_ns},
};
const size_t timing_tests_n = sizeof timing_tests / sizeof timing_tests[0];
