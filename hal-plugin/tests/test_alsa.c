/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ALSA plugin's pure helpers: sample conversion both ways (untrusted
 * floats from the host included) and the virtual clock. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../src/alsa/alsa_convert.h"
#include "harness.h"

static void test_alsa_convert(void)
{
    int16_t s16[5] = {0, 16384, -32768, 32767, -1};
    float f[5];
    vocana_alsa_to_float(VOCANA_ALSA_S16, s16, f, 5);
    CHECK(f[0] == 0.0f && f[1] == 0.5f && f[2] == -1.0f && f[4] == -1.0f / 32768.0f);
    int16_t back[5];
    vocana_alsa_from_float(VOCANA_ALSA_S16, f, back, 5);
    CHECK(memcmp(s16, back, sizeof s16) == 0); /* S16 -> float -> S16 is exact */
    int32_t s32[3] = {INT32_MIN, 1 << 30, INT32_MAX};
    vocana_alsa_to_float(VOCANA_ALSA_S32, s32, f, 3);
    CHECK(f[0] == -1.0f && f[1] == 0.5f);
    /* what the host sends is untrusted: NaN, infinities and huge values */
    float bad[6] = {NAN, INFINITY, -INFINITY, 7.0f, -7.0f, 0.25f};
    int16_t o16[6];
    vocana_alsa_from_float(VOCANA_ALSA_S16, bad, o16, 6);
    CHECK(o16[0] == 0 && o16[1] == 0 && o16[2] == 0 && o16[3] == 32767 && o16[4] == -32768 && o16[5] == 8192);
    int32_t o32[6];
    vocana_alsa_from_float(VOCANA_ALSA_S32, bad, o32, 6);
    CHECK(o32[0] == 0 && o32[3] == INT32_MAX && o32[4] == INT32_MIN && o32[5] == (1 << 29));
    float of[6];
    vocana_alsa_from_float(VOCANA_ALSA_F32, bad, of, 6);
    CHECK(of[0] == 0.0f && of[1] == 0.0f && of[3] == 1.0f && of[4] == -1.0f && of[5] == 0.25f);
    float in[2] = {NAN, 0.5f};
    vocana_alsa_to_float(VOCANA_ALSA_F32, in, f, 2);
    CHECK(f[0] == 0.0f && f[1] == 0.5f);
}

static void test_alsa_clock(void)
{
    CHECK_EQ(vocana_alsa_frames_due(100, 50, 48000), 0);
    CHECK_EQ(vocana_alsa_frames_due(0, 1000000000u, 48000), 48000);
    CHECK_EQ(vocana_alsa_frames_due(0, 2666667u, 48000), 128);
    CHECK_EQ(vocana_alsa_frames_due(5, 5 + 20833, 48000), 0); /* just under one frame */
    CHECK_EQ(vocana_alsa_frames_due(5, 5 + 20834, 48000), 1);
    /* a year at 192 kHz: no overflow */
    uint64_t year = UINT64_C(365) * 86400 * 1000000000u;
    CHECK_EQ(vocana_alsa_frames_due(7, 7 + year, 192000), UINT64_C(365) * 86400 * 192000);
}

const th_test alsa_tests[] = {
    {"alsa_convert_both_ways_and_untrusted_floats", test_alsa_convert},
    {"alsa_virtual_clock", test_alsa_clock},
};
const size_t alsa_tests_n = sizeof alsa_tests / sizeof alsa_tests[0];
