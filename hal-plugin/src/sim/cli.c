/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command line of vocana-sim: strict parsing, one-line errors. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "vocana/core.h"

const char sim_usage_line[] =
    "usage: vocana-sim --device ID [--dir DIR | --shm] [--io-frames N] [--seconds S | --frames N] "
    "[--fast] [--wait-host SECONDS] [--play FILE.wav | --tone HZ[:DBFS] | --sequence | "
    "--impulse] [--record FILE.wav] [--verify-sequence] [--rt-priority N] [--quiet] [--help]";

const char sim_help_text[] =
    "vocana-sim: plays the audio server's part against a Vocana device region.\n"
    "\n"
    "  --device ID          device id (1..31 of [A-Za-z0-9_.-], not starting with '.')\n"
    "  --dir DIR            region folder (default: $XDG_RUNTIME_DIR/vocana or /tmp/vocana-UID)\n"
    "  --shm                the region is the shared-memory object /vocana.ID (macOS's transport;\n"
    "                       the host runs with -Dvocana.region.transport=shm); ids of 1..22 characters\n"
    "  --io-frames N        IO buffer in frames, 1..min(16384, capacity/2) (default 128)\n"
    "  --seconds S          run S seconds of audio (decimal, > 0)\n"
    "  --frames N           run N frames (> 0); default: until SIGINT/SIGTERM or end of --play\n"
    "  --fast               no real-time pacing; waits instead of overrunning / underrunning\n"
    "  --wait-host S        wait up to S seconds for a live region (default 5)\n"
    "  --play FILE.wav      16-bit PCM or 32-bit float WAV (also EXTENSIBLE), device format\n"
    "  --tone HZ[:DBFS]     sine on all channels (default -20 dBFS)\n"
    "  --sequence           sample(f,c) = 1 + ((f*channels + c) % 16777215)\n"
    "  --impulse            0.5 on all channels every rate/2 frames; measures round trip\n"
    "  --record FILE.wav    writes what comes from the host as 32-bit float WAV\n"
    "  --verify-sequence    checks that the host sends the --sequence formula\n"
    "  --rt-priority N      SCHED_FIFO priority of the IO thread, 0..99, 0: normal priority\n"
    "                       (default 80; needs root or RLIMIT_RTPRIO; not used with --fast)\n"
    "  --quiet              no progress or diagnostics on stderr\n"
    "\n"
    "stdout at the end, one 'key value' per line: frames_written frames_read overruns\n"
    "underruns [sequence_frames sequence_errors] [latency_frames] late_cycles\n"
    "exit: 0 ok, 1 sequence errors, 2 bad command line, 3 no host / bad region, 4 file I/O\n";

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return SIM_ARGS_ERROR;
}

/* Unsigned decimal integer, whole string, no sign or blanks. */
static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Finite decimal number, whole string (strtod accepts more: hex, inf,
 * nan, blanks; those are refused here). */
static bool parse_double(const char *s, double *out)
{
    if (!s || !s[0])
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return false;
    }
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int parse_tone(const char *s, sim_options *o, char *err, size_t errlen)
{
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return fail(err, errlen, "--tone: '%.40s...' is too long (accepted: HZ[:DBFS], e.g. 440:-20)", s);
    memcpy(buf, s, n + 1);
    char *colon = strchr(buf, ':');
    const char *db = NULL;
    if (colon) {
        *colon = '\0';
        db = colon + 1;
    }
    double hz, dbfs = SIM_DEFAULT_TONE_DBFS;
    if (!parse_double(buf, &hz) || !(hz > 0.0) || hz > SIM_TONE_MAX_HZ)
        return fail(err, errlen,
                    "--tone: frequency '%s' is not a number in (0, %.0f] Hz (accepted: HZ[:DBFS], e.g. 440:-20)",
                    buf, SIM_TONE_MAX_HZ);
    if (db && (!parse_double(db, &dbfs) || dbfs > 0.0 || dbfs < SIM_TONE_MIN_DBFS))
        return fail(err, errlen, "--tone: level '%s' is not a number in [%.0f, 0] dBFS (accepted: HZ[:DBFS], e.g. 440:-20)",
                    db, SIM_TONE_MIN_DBFS);
    o->tone_hz = hz;
    o->tone_dbfs = dbfs;
    return SIM_ARGS_OK;
}

enum opt_id {
    OPT_DEVICE, OPT_DIR, OPT_IO_FRAMES, OPT_SECONDS, OPT_FRAMES, OPT_FAST, OPT_WAIT_HOST,
    OPT_PLAY, OPT_TONE, OPT_SEQUENCE, OPT_IMPULSE, OPT_RECORD, OPT_VERIFY, OPT_QUIET, OPT_HELP, OPT_SHM,
    OPT_RT_PRIORITY
};

/* names stored inline (no pointers), so the table is plain read-only data */
static const struct opt_def {
    char name[20];
    enum opt_id id;
    bool has_value;
} opt_defs[] = {
    {"--device", OPT_DEVICE, true},       {"--dir", OPT_DIR, true},
    {"--io-frames", OPT_IO_FRAMES, true}, {"--seconds", OPT_SECONDS, true},
    {"--frames", OPT_FRAMES, true},       {"--fast", OPT_FAST, false},
    {"--wait-host", OPT_WAIT_HOST, true}, {"--play", OPT_PLAY, true},
    {"--tone", OPT_TONE, true},           {"--sequence", OPT_SEQUENCE, false},
    {"--impulse", OPT_IMPULSE, false},    {"--record", OPT_RECORD, true},
    {"--verify-sequence", OPT_VERIFY, false}, {"--quiet", OPT_QUIET, false},
    {"--help", OPT_HELP, false},          {"--shm", OPT_SHM, false},
    {"--rt-priority", OPT_RT_PRIORITY, true},
};

static const char *source_name(enum sim_source s)
{
    switch (s) {
    case SIM_SRC_PLAY: return "--play";
    case SIM_SRC_TONE: return "--tone";
    case SIM_SRC_SEQUENCE: return "--sequence";
    case SIM_SRC_IMPULSE: return "--impulse";
    case SIM_SRC_SILENCE:
    default: return "silence";
    }
}

static int set_source(sim_options *o, enum sim_source s, char *err, size_t errlen)
{
    if (o->source != SIM_SRC_SILENCE && o->source != s)
        return fail(err, errlen,
                    "%s and %s: choose one of --play, --tone, --sequence, --impulse (default: silence)",
                    source_name(o->source), source_name(s));
    o->source = s;
    return SIM_ARGS_OK;
}

int sim_parse_args(int argc, char *const argv[], sim_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->io_frames = SIM_DEFAULT_IO_FRAMES;
    o->wait_host = SIM_DEFAULT_WAIT_HOST;
    o->tone_dbfs = SIM_DEFAULT_TONE_DBFS;
    o->rt_priority = SIM_DEFAULT_RT_PRIORITY;
    if (err && errlen)
        err[0] = '\0';
    uint32_t seen = 0; /* bit per opt_id: each option at most once */

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const struct opt_def *def = NULL;
        for (size_t d = 0; d < sizeof opt_defs / sizeof opt_defs[0]; d++) {
            if (strlen(opt_defs[d].name) == name_len && strncmp(opt_defs[d].name, arg, name_len) == 0) {
                def = &opt_defs[d];
                break;
            }
        }
        if (!def)
            return fail(err, errlen,
                        "unknown argument '%.60s' (accepted: --device --dir --shm --io-frames --seconds "
                        "--frames --fast --wait-host --play --tone --sequence --impulse --record "
                        "--verify-sequence --rt-priority --quiet --help)", arg);
        if (seen & (1u << def->id))
            return fail(err, errlen, "%s given twice (each option is accepted once)", def->name);
        seen |= 1u << def->id;

        const char *val = NULL;
        if (def->has_value) {
            if (eq) {
                val = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return fail(err, errlen, "%s needs a value", def->name);
                val = argv[++i];
            }
        } else if (eq) {
            return fail(err, errlen, "%s takes no value", def->name);
        }

        uint64_t u;
        double d;
        switch (def->id) {
        case OPT_DEVICE:
            if (!vocana_device_id_valid(val))
                return fail(err, errlen,
                            "--device: '%.40s' is not a device id (accepted: 1..31 of [A-Za-z0-9_.-], not starting with '.')",
                            val);
            o->device_id = val;
            break;
        case OPT_DIR:
            if (val[0] == '\0')
                return fail(err, errlen, "--dir: empty (accepted: a folder path)");
            o->dir = val;
            break;
        case OPT_SHM:
            o->shm = true;
            break;
        case OPT_IO_FRAMES:
            if (!parse_u64(val, &u) || u < 1 || u > VOCANA_IO_FRAMES_MAX)
                return fail(err, errlen, "--io-frames: '%.40s' is not an integer in 1..%u", val,
                            VOCANA_IO_FRAMES_MAX);
            o->io_frames = (uint32_t)u;
            break;
        case OPT_SECONDS:
            if (!parse_double(val, &d) || !(d > 0.0) || d > SIM_MAX_SECONDS)
                return fail(err, errlen, "--seconds: '%.40s' is not a number in (0, %.0f]", val,
                            SIM_MAX_SECONDS);
            o->seconds = d;
            o->has_seconds = true;
            break;
        case OPT_FRAMES:
            if (!parse_u64(val, &u) || u < 1 || u > SIM_MAX_FRAMES)
                return fail(err, errlen, "--frames: '%.40s' is not an integer in 1..%llu", val,
                            (unsigned long long)SIM_MAX_FRAMES);
            o->frames = u;
            o->has_frames = true;
            break;
        case OPT_FAST:
            o->fast = true;
            break;
        case OPT_WAIT_HOST:
            if (!parse_double(val, &d) || d < 0.0 || d > SIM_MAX_WAIT_HOST)
                return fail(err, errlen, "--wait-host: '%.40s' is not a number of seconds in [0, %.0f]",
                            val, SIM_MAX_WAIT_HOST);
            o->wait_host = d;
            break;
        case OPT_PLAY:
            if (set_source(o, SIM_SRC_PLAY, err, errlen))
                return SIM_ARGS_ERROR;
            if (val[0] == '\0')
                return fail(err, errlen, "--play: empty (accepted: a WAV file)");
            o->play_path = val;
            break;
        case OPT_TONE:
            if (set_source(o, SIM_SRC_TONE, err, errlen) || parse_tone(val, o, err, errlen))
                return SIM_ARGS_ERROR;
            break;
        case OPT_SEQUENCE:
            if (set_source(o, SIM_SRC_SEQUENCE, err, errlen))
                return SIM_ARGS_ERROR;
            break;
        case OPT_IMPULSE:
            if (set_source(o, SIM_SRC_IMPULSE, err, errlen))
                return SIM_ARGS_ERROR;
            break;
        case OPT_RECORD:
            if (val[0] == '\0')
                return fail(err, errlen, "--record: empty (accepted: a WAV file to write)");
            o->record_path = val;
            break;
        case OPT_VERIFY:
            o->verify_sequence = true;
            break;
        case OPT_QUIET:
            o->quiet = true;
            break;
        case OPT_RT_PRIORITY:
            if (!parse_u64(val, &u) || u > 99)
                return fail(err, errlen,
                            "--rt-priority: '%.40s' is not an integer in 0..99 (0: normal priority)", val);
            o->rt_priority = (uint32_t)u;
            break;
        case OPT_HELP:
            return SIM_ARGS_HELP;
        }
    }
    if (o->has_seconds && o->has_frames)
        return fail(err, errlen, "--seconds and --frames: give at most one of them");
    if (o->shm && o->dir)
        return fail(err, errlen, "--dir and --shm: give at most one of them (a region file or a shared-memory object)");
    if (!o->device_id)
        return fail(err, errlen, "--device ID is required (%s)", sim_usage_line);
    return SIM_ARGS_OK;
}
