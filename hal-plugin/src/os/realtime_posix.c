/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vocana_rt_*: SCHED_FIFO for the calling thread.  Linux: sched_setscheduler
 * on thread 0 (the caller) with SCHED_RESET_ON_FORK, RLIMIT_RTPRIO for the
 * message.  Other POSIX systems: pthread_setschedparam on pthread_self().
 */
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#include "realtime.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#if defined(__linux__)
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000 /* <linux/sched.h>; glibc shows it only with _GNU_SOURCE */
#endif
#ifndef RLIMIT_RTPRIO
#define RLIMIT_RTPRIO 14
#endif
#endif

static const char how_to_allow[] =
    "to allow it, put '@audio - rtprio 95' and '@audio - memlock unlimited' in "
    "/etc/security/limits.d/95-vocana.conf, add the user to group audio and log in again";

void vocana_rt_refusal_text(int priority, int err, long limit, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    if (err != EPERM) {
        snprintf(buf, len, "normal priority (SCHED_FIFO %d refused: %s)", priority, strerror(err));
    } else if (limit >= 0 && limit < priority) {
        snprintf(buf, len,
                 "normal priority (SCHED_FIFO %d not permitted: RLIMIT_RTPRIO is %ld and the process "
                 "lacks CAP_SYS_NICE; %s)",
                 priority, limit, how_to_allow);
    } else {
        snprintf(buf, len,
                 "normal priority (SCHED_FIFO %d not permitted although RLIMIT_RTPRIO allows it: the "
                 "cgroup may have no real-time budget (cpu.rt_runtime_us 0, as in many containers))",
                 priority);
    }
}

static long rtprio_limit(void)
{
#if defined(__linux__)
    struct rlimit rl;
    if (getrlimit(RLIMIT_RTPRIO, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return -1;
    return (long)rl.rlim_cur;
#else
    return -1;
#endif
}

void vocana_rt_promote_self(int priority, vocana_rt_result *out)
{
    memset(out, 0, sizeof *out);
    if (priority == 0) {
        snprintf(out->text, sizeof out->text, "normal priority (real-time off: --rt-priority 0)");
        return;
    }
    if (priority < 1 || priority > VOCANA_RT_PRIORITY_MAX) {
        out->err = EINVAL;
        snprintf(out->text, sizeof out->text, "normal priority (SCHED_FIFO priority %d out of range 1..%d)",
                 priority, VOCANA_RT_PRIORITY_MAX);
        return;
    }
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = priority;
#if defined(__linux__)
    int rc = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) == 0 ? 0 : errno;
#else
    int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
#endif
    if (rc == 0) {
        out->realtime = true;
        out->priority = priority;
        snprintf(out->text, sizeof out->text, "SCHED_FIFO %d", priority);
        return;
    }
    out->err = rc;
    vocana_rt_refusal_text(priority, rc, rtprio_limit(), out->text, sizeof out->text);
}

int vocana_rt_self(int *policy, int *priority)
{
    struct sched_param sp;
    int pol;
    if (pthread_getschedparam(pthread_self(), &pol, &sp) != 0)
        return -1;
#if defined(__linux__)
    pol &= ~SCHED_RESET_ON_FORK;
#endif
    *policy = pol;
    *priority = sp.sched_priority;
    return 0;
}
