/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pure helpers of the ALSA plugin (no ALSA dependency: unit-tested and fuzzed). */
#ifndef VOCANA_ALSA_CONVERT_H
#define VOCANA_ALSA_CONVERT_H
#include <stdint.h>

/* The sample formats the plugin offers (little-endian, interleaved). */
enum vocana_alsa_format { VOCANA_ALSA_S16, VOCANA_ALSA_S32, VOCANA_ALSA_F32 };

/* Application samples to float in [-1, 1]: S16 / 32768, S32 / 2^31, float as is
 * (non-finite values become 0: the host gets only finite samples). */
void vocana_alsa_to_float(enum vocana_alsa_format f, const void *src, float *dst, uint32_t samples);

/* Float from the host (untrusted shared memory) to application samples:
 * non-finite values become 0, integers are clamped to their range (float
 * output is clamped to [-1, 1] too, so a misbehaving host cannot hand an
 * application huge values). */
void vocana_alsa_from_float(enum vocana_alsa_format f, const float *src, void *dst, uint32_t samples);

/* Frames a card at `rate` has played between start_ns and now_ns (0 if now
 * is before start); exact for any duration (no 64-bit overflow). */
uint64_t vocana_alsa_frames_due(uint64_t start_ns, uint64_t now_ns, uint32_t rate);
#endif
