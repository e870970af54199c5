/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Minimal test harness: CHECK macros count failures of the running test. */
#ifndef VOCANA_TEST_HARNESS_H
#define VOCANA_TEST_HARNESS_H

#include <stdio.h>

extern int th_failures; /* failures in the current test */

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            th_failures++;                                                             \
            fprintf(stderr, "    %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                                 \
    do {                                                                               \
        unsigned long long th_a_ = (unsigned long long)(a);                            \
        unsigned long long th_b_ = (unsigned long long)(b);                            \
        if (th_a_ != th_b_) {                                                          \
            th_failures++;                                                             \
            fprintf(stderr, "    %s:%d: CHECK_EQ failed: %s == %s (%llu != %llu)\n",   \
                    __FILE__, __LINE__, #a, #b, th_a_, th_b_);                         \
        }                                                                              \
    } while (0)

/* error codes, printed with their names' messages */
#define CHECK_RC(expr, want)                                                           \
    do {                                                                               \
        int th_rc_ = (expr);                                                           \
        if (th_rc_ != (want)) {                                                        \
            th_failures++;                                                             \
            fprintf(stderr, "    %s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__,  \
                    __LINE__, #expr, th_rc_, vocana_strerror(th_rc_), (int)(want),    \
                    vocana_strerror(want));                                            \
        }                                                                              \
    } while (0)

typedef struct th_test {
    const char *name;
    void (*fn)(void);
} th_test;

#endif
