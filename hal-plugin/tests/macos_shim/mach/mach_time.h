/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double: mach_absolute_time in nanoseconds (timebase 1/1), from CLOCK_MONOTONIC. */
#ifndef FAKE_MACH_TIME_H
#define FAKE_MACH_TIME_H

#include <stdint.h>

typedef struct mach_timebase_info {
    uint32_t numer;
    uint32_t denom;
} mach_timebase_info_data_t;
#define KERN_SUCCESS 0

int mach_timebase_info(mach_timebase_info_data_t *info);
uint64_t mach_absolute_time(void);

#endif
