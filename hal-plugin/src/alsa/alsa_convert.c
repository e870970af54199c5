/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "alsa_convert.h"

#include <math.h>
#include <string.h>

static float clamp1(float x)
{
    if (!isfinite(x))
        return 0.0f;
    return x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x;
}

void vocana_alsa_to_float(enum vocana_alsa_format f, const void *src, float *dst, uint32_t samples)
{
    const unsigned char *s = src;
    for (uint32_t i = 0; i < samples; i++) {
        switch (f) {
        case VOCANA_ALSA_S16: {
            int16_t v;
            memcpy(&v, s + 2 * (size_t)i, sizeof v);
            dst[i] = (float)v / 32768.0f;
            break;
        }
        case VOCANA_ALSA_S32: {
            int32_t v;
            memcpy(&v, s + 4 * (size_t)i, sizeof v);
            dst[i] = (float)((double)v / 2147483648.0);
            break;
        }
        default: {
            float v;
            memcpy(&v, s + 4 * (size_t)i, sizeof v);
            dst[i] = isfinite(v) ? v : 0.0f;
            break;
        }
        }
    }
}

void vocana_alsa_from_float(enum vocana_alsa_format f, const float *src, void *dst, uint32_t samples)
{
    unsigned char *d = dst;
    for (uint32_t i = 0; i < samples; i++) {
        float x = clamp1(src[i]);
        switch (f) {
        case VOCANA_ALSA_S16: {
            float y = x * 32768.0f;
            int16_t v = y >= 32767.0f ? INT16_MAX : (int16_t)lrintf(y);
            memcpy(d + 2 * (size_t)i, &v, sizeof v);
            break;
        }
        case VOCANA_ALSA_S32: {
            double y = (double)x * 2147483648.0;
            int32_t v = y >= 2147483647.0 ? INT32_MAX : (int32_t)lrint(y);
            memcpy(d + 4 * (size_t)i, &v, sizeof v);
            break;
        }
        default:
            memcpy(d + 4 * (size_t)i, &x, sizeof x);
            break;
        }
    }
}

uint64_t vocana_alsa_frames_due(uint64_t start_ns, uint64_t now_ns, uint32_t rate)
{
    if (now_ns <= start_ns)
        return 0;
    uint64_t d = now_ns - start_ns;
    return (d / 1000000000u) * rate + (d % 1000000000u) * rate / 1000000000u;
}
