/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vocana-sim: the device simulator.  It plays the audio server's part
 * (coreaudiod, an ALSA application) against a region created by the host:
 * it attaches as the DEVICE side, paces IO cycles, feeds the "to host" ring
 * and drains the "from host" ring.
 *
 * This header declares the parts that are pure (no system call, no global
 * state) and therefore unit-tested and fuzzed on their own:
 *   - command line parsing                     (cli.c)
 *   - a strict WAV parser, sample decoder and the float WAV header writer
 *                                              (wav.c)
 *   - signal generators, the sequence verifier and the impulse latency
 *     meter                                    (signal.c)
 * main.c holds the runtime (region, pacing, files, signals).
 */
#ifndef VOCANA_SIM_H
#define VOCANA_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ERR_LEN 512u

/* ------------------------------------------------------------------------
 * Command line
 * ---------------------------------------------------------------------- */
enum sim_source {
    SIM_SRC_SILENCE = 0,
    SIM_SRC_PLAY,
    SIM_SRC_TONE,
    SIM_SRC_SEQUENCE,
    SIM_SRC_IMPULSE
};

#define SIM_DEFAULT_IO_FRAMES   128u
#define SIM_DEFAULT_WAIT_HOST   5.0
#define SIM_DEFAULT_TONE_DBFS   (-20.0)
/* SCHED_FIFO priority of the IO thread: the simulator plays the audio
 * server, so it sits above the host's audio threads (70) and below
 * PipeWire's data threads (88) */
#define SIM_DEFAULT_RT_PRIORITY 80u
#define SIM_MAX_SECONDS         1.0e7    /* about 116 days               */
#define SIM_MAX_FRAMES          (UINT64_C(1) << 50)
#define SIM_MAX_WAIT_HOST       86400.0
#define SIM_TONE_MAX_HZ         192000.0 /* Nyquist of the highest rate  */
#define SIM_TONE_MIN_DBFS       (-120.0)

typedef struct sim_options {
    const char *device_id;   /* required                                  */
    const char *dir;         /* NULL: the core's per-user region folder   */
    bool shm;                /* the shared-memory object /vocana.<id>     */
    uint32_t io_frames;      /* 1..VOCANA_IO_FRAMES_MAX (region: cap / 2) */
    double seconds;          /* > 0 if given                              */
    uint64_t frames;         /* > 0 if given                              */
    bool has_seconds, has_frames;
    bool fast;
    double wait_host;        /* seconds, >= 0                             */
    enum sim_source source;
    const char *play_path;
    double tone_hz, tone_dbfs;
    const char *record_path; /* NULL: nothing recorded                    */
    bool verify_sequence;
    bool quiet;
    uint32_t rt_priority;    /* 0..99, 0: normal priority (real-time mode only) */
} sim_options;

/* One line naming every accepted option (for error messages). */
extern const char sim_usage_line[];
/* Multi-line help text (--help, on stdout). */
extern const char sim_help_text[];

enum { SIM_ARGS_OK = 0, SIM_ARGS_HELP = 1, SIM_ARGS_ERROR = -1 };

/* Parse argv.  SIM_ARGS_ERROR: err holds one line (no newline) saying what
 * was wrong and what is accepted.  Options take "--opt VALUE" or
 * "--opt=VALUE".  Pointers in *o point into argv. */
int sim_parse_args(int argc, char *const argv[], sim_options *o, char *err, size_t errlen);

/* ------------------------------------------------------------------------
 * WAV
 * ---------------------------------------------------------------------- */
enum sim_wav_encoding { SIM_WAV_PCM16 = 1, SIM_WAV_FLOAT32 = 2 };

typedef struct sim_wav_info {
    enum sim_wav_encoding encoding;
    bool extensible;         /* WAVE_FORMAT_EXTENSIBLE                    */
    uint32_t channels;       /* 1..VOCANA_CHANNELS_MAX                    */
    uint32_t sample_rate;    /* VOCANA_RATE_MIN..VOCANA_RATE_MAX          */
    uint32_t block_align;    /* bytes per frame                           */
    uint64_t data_offset;    /* of the first sample byte                  */
    uint64_t data_bytes;     /* a multiple of block_align                 */
    uint64_t frames;
} sim_wav_info;

/* Reads exactly n bytes at offset into dst; returns 0, or -1 if it could
 * not (short file, I/O error). */
typedef int (*sim_wav_read_fn)(void *ctx, uint64_t offset, void *dst, size_t n);

/* Strict parser: every header field is validated; data_offset +
 * data_bytes <= file_size is guaranteed on success.  Returns 0, or -1 with
 * a one-line reason in err. */
int sim_wav_parse(sim_wav_read_fn rd, void *ctx, uint64_t file_size, sim_wav_info *out,
                  char *err, size_t errlen);
/* The same over a buffer (tests, fuzzer). */
int sim_wav_parse_mem(const uint8_t *buf, size_t len, sim_wav_info *out, char *err,
                      size_t errlen);

/* Decode frames * channels little-endian samples to float: 16-bit PCM is
 * divided by 32768 (exact), float is copied bit for bit. */
void sim_wav_decode(enum sim_wav_encoding enc, uint32_t channels, const uint8_t *src,
                    uint32_t frames, float *dst);

/* Encode floats as little-endian float32 bytes (4 per sample). */
void sim_wav_encode_float(const float *src, size_t samples, uint8_t *dst);

/* 32-bit float WAV header: WAVE_FORMAT_IEEE_FLOAT (fmt 18 bytes) for 1-2
 * channels, WAVE_FORMAT_EXTENSIBLE (fmt 40) above, plus a 'fact' chunk.
 * Writes the header into buf and returns its size, or 0 if cap is too
 * small, an argument is out of range or frames > sim_wav_float_max_frames. */
#define SIM_WAV_HEADER_MAX 80u
size_t sim_wav_float_header(uint8_t *buf, size_t cap, uint32_t rate, uint32_t channels,
                            uint64_t frames);
/* Largest frame count a float WAV of this width can hold (32-bit sizes). */
uint64_t sim_wav_float_max_frames(uint32_t channels);

/* ------------------------------------------------------------------------
 * Signals: the sequence of the cross-language tests
 *   sample(f, c) = 1 + ((f * channels + c) % 16777215)
 * i.e. sample number k = f * channels + c carries 1 + k mod (2^24 - 1).
 * ---------------------------------------------------------------------- */
#define SIM_SEQ_MODULUS 16777215u

typedef struct sim_seq_gen {
    uint32_t k; /* (f * channels + c) mod SIM_SEQ_MODULUS of the next sample */
} sim_seq_gen;

void sim_seq_gen_init(sim_seq_gen *g);
void sim_seq_gen_fill(sim_seq_gen *g, float *dst, size_t samples);

/* Is x a value of the sequence (an integer in 1..2^24-1)? */
bool sim_seq_valid(float x);

enum sim_seq_state {
    SIM_SEQ_START = 0, /* nothing but zeros so far                        */
    SIM_SEQ_LOCKED,    /* following the sequence                          */
    SIM_SEQ_RESYNC     /* after a glitch or silence: next value is taken  */
};

typedef struct sim_seq_verify {
    enum sim_seq_state state;
    uint32_t channels;
    float expected;     /* next value, when LOCKED                         */
    float alt;          /* after a wrong value: the old chain's next value,
                           also accepted for one sample (0: none)          */
    uint64_t ok;        /* samples equal to their expected value           */
    uint64_t errors;    /* glitches (a run of wrong samples counts once)   */
    uint64_t grace;     /* samples during which a jump only resynchronises */
} sim_seq_verify;

void sim_seq_verify_init(sim_seq_verify *v, uint32_t channels);
/* Check one block read from the "from host" ring: the first `real` frames
 * are ring data, the remaining (total - real) frames are silence that the
 * core inserted (underrun, or no host): they are not errors, and the
 * verifier resynchronises after them. */
void sim_seq_verify_block(sim_seq_verify *v, const float *buf, uint32_t real, uint32_t total);
/* The stream was interrupted (the device re-attached, e.g. to a restarted
 * host): the next value is taken as the new reference without an error,
 * and for the next `grace` samples a jump (or zeros) only resynchronises:
 * frames the host had in flight may still arrive after the re-attach,
 * followed by the gap of the frames lost while detached. */
void sim_seq_verify_resync(sim_seq_verify *v, uint64_t grace);
uint64_t sim_seq_verify_frames(const sim_seq_verify *v);

/* ------------------------------------------------------------------------
 * Tone and impulses
 * ---------------------------------------------------------------------- */
typedef struct sim_tone {
    double phase;  /* cycles, in [0, 1) */
    double step;   /* hz / rate         */
    float amp;
} sim_tone;

void sim_tone_init(sim_tone *t, double hz, double dbfs, uint32_t rate);
void sim_tone_fill(sim_tone *t, float *dst, uint32_t frames, uint32_t channels);

#define SIM_IMPULSE_VALUE     0.5f
#define SIM_IMPULSE_THRESHOLD 0.25f
#define SIM_LAT_PENDING       64u

/* Impulses every `interval` frames (rate / 2) of the write stream; the
 * latency of each is the distance from its frame to the first frame of the
 * read stream at or after it with |x| >= threshold on any channel. */
typedef struct sim_latency {
    uint32_t interval;
    uint32_t channels;
    uint64_t pending[SIM_LAT_PENDING]; /* write-stream frames of impulses */
    uint32_t head, count;
    uint32_t *hist;      /* caller-provided, hist_len entries             */
    uint32_t hist_len;   /* latencies 0..hist_len-1 are measurable        */
    uint64_t measured;   /* impulses matched, within range                */
    uint64_t too_late;   /* matched beyond hist_len - 1 frames            */
    uint64_t lost;       /* dropped from a full pending queue             */
} sim_latency;

void sim_latency_init(sim_latency *l, uint32_t interval, uint32_t channels, uint32_t *hist,
                      uint32_t hist_len);
/* Write `frames` frames starting at write-stream frame `at` into dst: an
 * impulse on every channel at multiples of the interval, else zeros; the
 * impulses are queued for matching. */
void sim_latency_write(sim_latency *l, uint64_t at, float *dst, uint32_t frames);
/* Scan `frames` frames read at read-stream frame `at`. */
void sim_latency_read(sim_latency *l, uint64_t at, const float *src, uint32_t frames);
/* Lower median of the measured latencies (frames), -1 if none. */
int64_t sim_latency_median(const sim_latency *l);

#endif /* VOCANA_SIM_H */
