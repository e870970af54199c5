/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test double: mach_absolute_time in nanoseconds (timebase 1/1) of a virtual clock that only the
 * test moves (fake coreaudiod's IO cycles are simulated, faster than real time). */
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
/* test only: moves the virtual clock forward to `ns` (never back) */
void fake_mach_time_set(uint64_t ns);

#endif
