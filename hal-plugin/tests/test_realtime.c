/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The simulator's real-time helper (src/os/realtime_posix.c): SCHED_FIFO for
 * a new thread, read back from the kernel (needs root or RLIMIT_RTPRIO >= 33,
 * as CI has: without it the test fails and prints why), the one-line
 * refusals, and the --rt-priority option. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "../src/os/realtime.h"
#include "../src/sim/sim.h"
#include "harness.h"

typedef struct promoted {
    vocana_rt_result r;
    int policy, priority, self_rc;
} promoted;

static void *promote_thread(void *arg)
{
    promoted *p = arg;
    vocana_rt_promote_self(33, &p->r);
    p->self_rc = vocana_rt_self(&p->policy, &p->priority);
    return NULL;
}

static void rt_promotes_a_thread_to_sched_fifo(void)
{
    promoted p;
    memset(&p, 0, sizeof p);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, promote_thread, &p), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    if (!p.r.realtime)
        fprintf(stderr, "    SCHED_FIFO 33 for a new thread: %s\n", p.r.text);
    CHECK(p.r.realtime);
    CHECK_EQ(p.r.priority, 33);
    CHECK_EQ(p.r.err, 0);
    CHECK(!strcmp(p.r.text, "SCHED_FIFO 33"));
    CHECK_EQ(p.self_rc, 0);
    CHECK_EQ(p.policy, SCHED_FIFO);
    CHECK_EQ(p.priority, 33);
    /* the calling thread kept its own scheduling */
    int pol = -1, prio = -1;
    CHECK_EQ(vocana_rt_self(&pol, &prio), 0);
    CHECK(pol != SCHED_FIFO);
}

static void rt_zero_and_out_of_range_ask_nothing(void)
{
    vocana_rt_result r;
    vocana_rt_promote_self(0, &r);
    CHECK(!r.realtime);
    CHECK_EQ(r.err, 0);
    CHECK(!strcmp(r.text, "normal priority (real-time off: --rt-priority 0)"));
    vocana_rt_promote_self(100, &r);
    CHECK(!r.realtime);
    CHECK_EQ(r.err, EINVAL);
    CHECK(!strcmp(r.text, "normal priority (SCHED_FIFO priority 100 out of range 1..99)"));
    int pol = -1, prio = -1;
    CHECK_EQ(vocana_rt_self(&pol, &prio), 0);
    CHECK(pol != SCHED_FIFO);
}

static void rt_refusals_are_one_line(void)
{
    char buf[VOCANA_RT_TEXT_LEN];
    vocana_rt_refusal_text(80, EPERM, 0, buf, sizeof buf);
    CHECK(!strcmp(buf, "normal priority (SCHED_FIFO 80 not permitted: RLIMIT_RTPRIO is 0 and the process lacks "
                       "CAP_SYS_NICE; to allow it, put '@audio - rtprio 95' and '@audio - memlock unlimited' in "
                       "/etc/security/limits.d/95-vocana.conf, add the user to group audio and log in again)"));
    CHECK(!strchr(buf, '\n'));
    CHECK(strlen(buf) < sizeof buf - 1); /* not truncated */
    vocana_rt_refusal_text(80, EPERM, 50, buf, sizeof buf);
    CHECK(strstr(buf, "RLIMIT_RTPRIO is 50 and the process lacks CAP_SYS_NICE") != NULL);
    vocana_rt_refusal_text(80, EPERM, 95, buf, sizeof buf);
    CHECK(!strcmp(buf, "normal priority (SCHED_FIFO 80 not permitted although RLIMIT_RTPRIO allows it: the cgroup "
                       "may have no real-time budget (cpu.rt_runtime_us 0, as in many containers))"));
    vocana_rt_refusal_text(80, EPERM, -1, buf, sizeof buf);
    CHECK(strstr(buf, "although RLIMIT_RTPRIO allows it") != NULL);
    vocana_rt_refusal_text(80, EINVAL, 0, buf, sizeof buf);
    CHECK(!strncmp(buf, "normal priority (SCHED_FIFO 80 refused: ", 40));
    char small[16];
    vocana_rt_refusal_text(80, EPERM, 0, small, sizeof small);
    CHECK_EQ(strlen(small), sizeof small - 1);
}

static int parse2(const char *a, const char *b, sim_options *o, char *err)
{
    char *argv[] = {"vocana-sim", "--device", "d", (char *)a, (char *)b, NULL};
    return sim_parse_args(b ? 5 : (a ? 4 : 3), argv, o, err, SIM_ERR_LEN);
}

static void rt_sim_option(void)
{
    sim_options o;
    char err[SIM_ERR_LEN];
    CHECK_EQ(parse2(NULL, NULL, &o, err), SIM_ARGS_OK);
    CHECK_EQ(o.rt_priority, SIM_DEFAULT_RT_PRIORITY);
    CHECK_EQ(parse2("--rt-priority", "0", &o, err), SIM_ARGS_OK);
    CHECK_EQ(o.rt_priority, 0);
    CHECK_EQ(parse2("--rt-priority=99", NULL, &o, err), SIM_ARGS_OK);
    CHECK_EQ(o.rt_priority, 99);
    CHECK_EQ(parse2("--rt-priority", "100", &o, err), SIM_ARGS_ERROR);
    CHECK(!strcmp(err, "--rt-priority: '100' is not an integer in 0..99 (0: normal priority)"));
    CHECK_EQ(parse2("--rt-priority", "-1", &o, err), SIM_ARGS_ERROR);
    CHECK_EQ(parse2("--rt-priority", NULL, &o, err), SIM_ARGS_ERROR);
}

const th_test realtime_tests[] = {
    {"rt_promotes_a_thread_to_sched_fifo", rt_promotes_a_thread_to_sched_fifo},
    {"rt_zero_and_out_of_range_ask_nothing", rt_zero_and_out_of_range_ask_nothing},
    {"rt_refusals_are_one_line", rt_refusals_are_one_line},
    {"rt_sim_option", rt_sim_option},
};
const size_t realtime_tests_n = sizeof realtime_tests / sizeof realtime_tests[0];
