/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator's pure parts: command line, sequence generator and
 * verifier, impulse latency meter, tone. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../src/sim/sim.h"
#include "harness.h"

/* ---- command line ------------------------------------------------------- */
static int parse_line(const char *line, sim_options *o, char *err)
{
    char buf[1024];
    char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    argv[argc++] = "vocana-sim";
    for (char *tok = strtok(buf, " "); tok && argc < 63; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    return sim_parse_args(argc, argv, o, err, SIM_ERR_LEN);
}

static void cli_accepts_the_contract(void)
{
    sim_options o;
    char err[SIM_ERR_LEN];
    CHECK_EQ(parse_line("--device mic0", &o, err), SIM_ARGS_OK);
    CHECK(!strcmp(o.device_id, "mic0"));
    CHECK(o.dir == NULL && !o.shm);
    CHECK_EQ(o.io_frames, 128);
    CHECK(o.wait_host == 5.0);
    CHECK(!o.fast && !o.has_seconds && !o.has_frames && !o.quiet && !o.verify_sequence);
    CHECK_EQ(o.source, SIM_SRC_SILENCE);

    CHECK_EQ(parse_line("--device mic0 --dir /tmp/x --io-frames 512 --frames 2000000 --fast "
                        "--wait-host 0.5 --sequence --verify-sequence --record out.wav --quiet",
                        &o, err), SIM_ARGS_OK);
    CHECK(!strcmp(o.dir, "/tmp/x"));
    CHECK_EQ(o.io_frames, 512);
    CHECK(o.has_frames && o.frames == 2000000);
    CHECK(o.fast && o.quiet && o.verify_sequence);
    CHECK(o.wait_host == 0.5);
    CHECK_EQ(o.source, SIM_SRC_SEQUENCE);
    CHECK(!strcmp(o.record_path, "out.wav"));

    CHECK_EQ(parse_line("--device mic0 --shm", &o, err), SIM_ARGS_OK);
    CHECK(o.shm && o.dir == NULL);

    CHECK_EQ(parse_line("--device=a.b_c-1 --seconds=2.5 --tone=440 --io-frames=16384", &o, err),
             SIM_ARGS_OK);
    CHECK(o.has_seconds && o.seconds == 2.5);
    CHECK_EQ(o.source, SIM_SRC_TONE);
    CHECK(o.tone_hz == 440.0 && o.tone_dbfs == -20.0);
    CHECK_EQ(o.io_frames, 16384);

    CHECK_EQ(parse_line("--device d --tone 1000:-6.5", &o, err), SIM_ARGS_OK);
    CHECK(o.tone_hz == 1000.0 && o.tone_dbfs == -6.5);
    CHECK_EQ(parse_line("--device d --impulse --wait-host 0", &o, err), SIM_ARGS_OK);
    CHECK_EQ(o.source, SIM_SRC_IMPULSE);
    CHECK(o.wait_host == 0.0);
    CHECK_EQ(parse_line("--device d --play in.wav", &o, err), SIM_ARGS_OK);
    CHECK_EQ(o.source, SIM_SRC_PLAY);
    CHECK(!strcmp(o.play_path, "in.wav"));
    CHECK_EQ(parse_line("--help", &o, err), SIM_ARGS_HELP);
    CHECK_EQ(parse_line("--device d --help", &o, err), SIM_ARGS_HELP);
}

static void cli_refuses_with_one_line(void)
{
    static const struct {
        const char *line, *needle;
    } cases[] = {
        {"", "--device ID is required"},
        {"--fast", "--device ID is required"},
        {"--device", "--device needs a value"},
        {"--device ../x", "not a device id"},
        {"--device .hidden", "not a device id"},
        {"--device 0123456789012345678901234567890123", "not a device id"},
        {"--device a --bogus", "unknown argument '--bogus'"},
        {"--device a extra", "unknown argument 'extra'"},
        {"--device a --device b", "--device given twice"},
        {"--device a --io-frames 0", "1..16384"},
        {"--device a --io-frames 16385", "1..16384"},
        {"--device a --io-frames 12x", "1..16384"},
        {"--device a --io-frames -5", "1..16384"},
        {"--device a --io-frames 99999999999999999999999", "1..16384"},
        {"--device a --seconds 0", "--seconds"},
        {"--device a --seconds -1", "--seconds"},
        {"--device a --seconds nan", "--seconds"},
        {"--device a --seconds inf", "--seconds"},
        {"--device a --seconds 0x10", "--seconds"},
        {"--device a --frames 0", "--frames"},
        {"--device a --frames 1.5", "--frames"},
        {"--device a --seconds 1 --frames 10", "at most one"},
        {"--device a --wait-host -1", "--wait-host"},
        {"--device a --sequence --tone 440", "choose one"},
        {"--device a --impulse --play x.wav", "choose one"},
        {"--device a --tone 0", "frequency"},
        {"--device a --tone 200000", "frequency"},
        {"--device a --tone 440:+3", "dBFS"},
        {"--device a --tone 440:", "dBFS"},
        {"--device a --tone abc", "frequency"},
        {"--device a --fast=1", "takes no value"},
        {"--device a --record=", "--record: empty"},
        {"--device a --dir=", "--dir: empty"},
        {"--device a --dir /x --shm", "--dir and --shm: give at most one of them"},
        {"--device a --shm=1", "--shm takes no value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_options o;
        char err[SIM_ERR_LEN];
        int rc = parse_line(cases[i].line, &o, err);
        CHECK_EQ(rc, SIM_ARGS_ERROR);
        if (rc != SIM_ARGS_ERROR || !strstr(err, cases[i].needle) || strchr(err, '\n')) {
            th_failures++;
            fprintf(stderr, "    '%s': got '%s', wanted a line with '%s'\n", cases[i].line, err,
                    cases[i].needle);
        }
    }
    CHECK(strchr(sim_usage_line, '\n') == NULL);
}

/* ---- sequence ----------------------------------------------------------- */
static void seq_generates_the_formula(void)
{
    sim_seq_gen g;
    sim_seq_gen_init(&g);
    float buf[8];
    sim_seq_gen_fill(&g, buf, 8);
    for (int i = 0; i < 8; i++)
        CHECK(buf[i] == (float)(i + 1));
    /* 3 channels, frame f = 5592405: f * 3 = 16777215 -> wraps to 1 */
    g.k = SIM_SEQ_MODULUS - 2u;
    sim_seq_gen_fill(&g, buf, 4);
    CHECK(buf[0] == 16777214.0f);
    CHECK(buf[1] == 16777215.0f);
    CHECK(buf[2] == 1.0f);
    CHECK(buf[3] == 2.0f);

    CHECK(!sim_seq_valid(0.0f));
    CHECK(sim_seq_valid(1.0f));
    CHECK(sim_seq_valid(16777215.0f));
    CHECK(!sim_seq_valid(16777216.0f));
    CHECK(!sim_seq_valid(1.5f));
    CHECK(!sim_seq_valid(-3.0f));
    CHECK(!sim_seq_valid(NAN));
    CHECK(!sim_seq_valid(INFINITY));
}

/* frames of the sequence starting at sample k0 (0-based), channels ch */
static void seq_block(float *buf, uint32_t k0, size_t samples)
{
    sim_seq_gen g = {k0};
    sim_seq_gen_fill(&g, buf, samples);
}

static void seq_verify_clean_stream(void)
{
    enum { CH = 2, F = 1000 };
    float buf[CH * F];
    sim_seq_verify v;
    sim_seq_verify_init(&v, CH);
    memset(buf, 0, sizeof buf);
    sim_seq_verify_block(&v, buf, 100, 100); /* leading silence: host not started */
    seq_block(buf, 0, CH * F);
    sim_seq_verify_block(&v, buf, 300, 300);
    sim_seq_verify_block(&v, buf + 300 * CH, 700, 700);
    CHECK_EQ(v.errors, 0);
    CHECK_EQ(sim_seq_verify_frames(&v), F);
    /* across the 2^24 - 1 wrap */
    sim_seq_verify_init(&v, 1);
    buf[0] = 1.0f;
    sim_seq_verify_block(&v, buf, 1, 1);
    v.expected = 16777214.0f;
    seq_block(buf, SIM_SEQ_MODULUS - 2u, 5);
    sim_seq_verify_block(&v, buf, 5, 5);
    CHECK_EQ(v.errors, 0);
    CHECK_EQ(v.ok, 6);
}

static void seq_verify_counts_each_glitch_once(void)
{
    enum { CH = 2, F = 400 };
    float buf[CH * F];
    sim_seq_verify v;

    /* frames lost in the middle: a jump, one error */
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 0, CH * 100);
    seq_block(buf + CH * 100, CH * 150, CH * 300);
    sim_seq_verify_block(&v, buf, F, F);
    CHECK_EQ(v.errors, 1);

    /* one corrupted sample: one error, the old chain continues */
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 0, CH * F);
    buf[77] = 9999.0f;
    sim_seq_verify_block(&v, buf, F, F);
    CHECK_EQ(v.errors, 1);
    CHECK_EQ(v.ok, CH * F - 1);

    /* a run of zeros inside real data: one error */
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 0, CH * F);
    memset(buf + 100, 0, 50 * sizeof(float));
    sim_seq_verify_block(&v, buf, F, F);
    CHECK_EQ(v.errors, 1);

    /* garbage (NaN, fractions) after a good start: one error */
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 0, CH * F);
    buf[10] = NAN;
    buf[11] = 0.5f;
    buf[12] = -7.0f;
    sim_seq_verify_block(&v, buf, F, F);
    CHECK_EQ(v.errors, 1);

    /* the host did not start at its frame 0: one error, then locked */
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 1000, CH * F);
    sim_seq_verify_block(&v, buf, F, F);
    CHECK_EQ(v.errors, 1);
    CHECK_EQ(v.ok, CH * F - 1);
}

static void seq_verify_underrun_resynchronises(void)
{
    enum { CH = 2 };
    float buf[CH * 128];
    sim_seq_verify v;
    sim_seq_verify_init(&v, CH);
    seq_block(buf, 0, CH * 128);
    sim_seq_verify_block(&v, buf, 128, 128);
    /* an underrun: 28 real frames, then 100 frames of core silence */
    seq_block(buf, CH * 128, CH * 28);
    memset(buf + CH * 28, 0, CH * 100 * sizeof(float));
    sim_seq_verify_block(&v, buf, 28, 128);
    /* a whole cycle without a host */
    memset(buf, 0, sizeof buf);
    sim_seq_verify_block(&v, buf, 0, 128);
    /* data resumes elsewhere (host restarted / frames lost meanwhile) */
    seq_block(buf, CH * 5000, CH * 128);
    sim_seq_verify_block(&v, buf, 128, 128);
    CHECK_EQ(v.errors, 0);
    CHECK_EQ(v.ok, CH * (128 + 28 + 128) - 1); /* the new reference is not counted */
    /* a re-attach without silence in between (fast mode): no error either */
    sim_seq_verify_resync(&v, CH * 256);
    seq_block(buf, CH * 9000, CH * 64);  /* frames the host still had */
    seq_block(buf + CH * 64, CH * 9500, CH * 64); /* then the gap */
    sim_seq_verify_block(&v, buf, 128, 128);
    CHECK_EQ(v.errors, 0);
    seq_block(buf, CH * 9564, CH * 128);
    sim_seq_verify_block(&v, buf, 128, 128); /* grace over after 256 samples */
    CHECK_EQ(v.errors, 0);
    CHECK_EQ(v.grace, 0);
    /* but a jump outside the grace window is one */
    seq_block(buf, CH * 12000, CH * 128);
    sim_seq_verify_block(&v, buf, 128, 128);
    CHECK_EQ(v.errors, 1);
}

/* ---- impulses ----------------------------------------------------------- */
static void latency_measures_the_delay(void)
{
    enum { CH = 2, INTERVAL = 100, DELAY = 37, BLOCK = 64, TOTAL = 1280 };
    uint32_t hist[500];
    sim_latency l;
    sim_latency_init(&l, INTERVAL, CH, hist, 500);
    CHECK_EQ(sim_latency_median(&l), -1);
    static float stream[(TOTAL + DELAY) * CH];
    float block[BLOCK * CH];
    memset(stream, 0, sizeof stream);
    for (uint64_t at = 0; at < TOTAL; at += BLOCK) {
        sim_latency_write(&l, at, block, BLOCK);
        for (int i = 0; i < BLOCK; i++)
            for (int c = 0; c < CH; c++) {
                CHECK(block[i * CH + c] == ((at + (uint64_t)i) % INTERVAL == 0 ? 0.5f : 0.0f));
                stream[(at + (uint64_t)i + DELAY) * CH + c] = block[i * CH + c] * -0.9f;
            }
    }
    CHECK_EQ(l.count, 13); /* 0, 100, ... 1200 pending */
    /* lose the echo of the impulse at 300 */
    stream[(300 + DELAY) * CH] = 0.0f;
    stream[(300 + DELAY) * CH + 1] = 0.1f; /* below the threshold */
    for (uint64_t at = 0; at < TOTAL; at += BLOCK)
        sim_latency_read(&l, at, stream + at * CH, BLOCK);
    /* 300 is answered late by the echo of 400; the other 12 on time */
    CHECK_EQ(l.measured, 13);
    CHECK_EQ(hist[DELAY], 12);
    CHECK_EQ(hist[DELAY + INTERVAL], 1);
    CHECK_EQ(sim_latency_median(&l), DELAY);
}

static void latency_ignores_noise_before_impulses(void)
{
    uint32_t hist[100];
    sim_latency l;
    sim_latency_init(&l, 50, 1, hist, 100);
    float loud[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    sim_latency_read(&l, 0, loud, 10);
    CHECK_EQ(l.measured, 0);
    float w[50];
    sim_latency_write(&l, 0, w, 10);                /* impulse at 0 */
    sim_latency_read(&l, 10, loud, 10);             /* answered at 10 */
    CHECK_EQ(sim_latency_median(&l), 10);
    sim_latency_write(&l, 10, w, 50);               /* impulse at 50 */
    float quiet[200] = {0};
    quiet[150] = -0.3f;                             /* at 200 + 150 = 350: beyond 99 */
    sim_latency_read(&l, 200, quiet, 200);
    CHECK_EQ(l.too_late, 1);
    CHECK_EQ(sim_latency_median(&l), 10); /* lower median of {10, >99} */
}

static void tone_has_level_and_frequency(void)
{
    enum { RATE = 48000 };
    static float buf[RATE * 2];
    sim_tone t;
    sim_tone_init(&t, 1000.0, -20.0, RATE);
    sim_tone_fill(&t, buf, RATE / 2, 2);
    sim_tone_fill(&t, buf + RATE, RATE / 2, 2); /* continues the phase */
    float peak = 0;
    int crossings = 0;
    for (int i = 0; i < RATE; i++) {
        float x = buf[2 * i];
        CHECK(buf[2 * i + 1] == x);
        if (fabsf(x) > peak)
            peak = fabsf(x);
        if (i > 0 && (buf[2 * i - 2] < 0) != (x < 0))
            crossings++;
    }
    CHECK(fabsf(peak - 0.1f) < 1e-3f);
    CHECK(crossings >= 1998 && crossings <= 2001);
}

const th_test simcore_tests[] = {
    {"cli_accepts_the_contract", cli_accepts_the_contract},
    {"cli_refuses_with_one_line", cli_refuses_with_one_line},
    {"seq_generates_the_formula", seq_generates_the_formula},
    {"seq_verify_clean_stream", seq_verify_clean_stream},
    {"seq_verify_counts_each_glitch_once", seq_verify_counts_each_glitch_once},
    {"seq_verify_underrun_resynchronises", seq_verify_underrun_resynchronises},
    {"latency_measures_the_delay", latency_measures_the_delay},
    {"latency_ignores_noise_before_impulses", latency_ignores_noise_before_impulses},
    {"tone_has_level_and_frequency", tone_has_level_and_frequency},
};
const size_t simcore_tests_n = sizeof simcore_tests / sizeof simcore_tests[0];
