/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit test runner (built with ASan + UBSan).  Runs every test, or those
 * whose name contains argv[1]; prints one line per test and a summary
 * `RESULT <passed> <failed>` that the Makefile adds up. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

int th_failures;

extern const th_test ring_tests[], validate_tests[], device_tests[], posix_tests[], wav_tests[],
    simcore_tests[], alsa_tests[], hal_tests[], timing_tests[], realtime_tests[];
extern const size_t ring_tests_n, validate_tests_n, device_tests_n, posix_tests_n, wav_tests_n,
    simcore_tests_n, alsa_tests_n, hal_tests_n, timing_tests_n, realtime_tests_n;

int main(int argc, char **argv)
{
    const struct {
        const th_test *t;
        size_t n;
    } groups[] = {
        {ring_tests, ring_tests_n},
        {validate_tests, validate_tests_n},
        {device_tests, device_tests_n},
        {timing_tests, timing_tests_n},
        {posix_tests, posix_tests_n},
        {wav_tests, wav_tests_n},
        {simcore_tests, simcore_tests_n},
        {alsa_tests, alsa_tests_n},
        {hal_tests, hal_tests_n},
        {realtime_tests, realtime_tests_n},
    };
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        for (size_t i = 0; i < groups[g].n; i++) {
            const th_test *t = &groups[g].t[i];
            if (filter && !strstr(t->name, filter))
                continue;
            th_failures = 0;
            t->fn();
            if (th_failures) {
                failed++;
                printf("  FAIL %s (%d checks)\n", t->name, th_failures);
            } else {
                passed++;
                printf("  ok   %s\n", t->name);
            }
            fflush(stdout);
        }
    }
    printf("RESULT %d %d\n", passed, failed);
    return failed ? 1 : 0;
}
