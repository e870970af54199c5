/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Real-time scheduling for the threads Vocana's device sides start (the
 * simulator's IO thread): SCHED_FIFO for the calling thread where
 * CAP_SYS_NICE or RLIMIT_RTPRIO allows it, else normal priority with one
 * line saying why and how to allow it.  The OS calls live here, not in the
 * core (src/core makes no such calls).  No global state: the result goes
 * to the caller's struct.
 */
#ifndef VOCANA_OS_REALTIME_H
#define VOCANA_OS_REALTIME_H

#include <stdbool.h>
#include <stddef.h>

#define VOCANA_RT_PRIORITY_MAX 99
#define VOCANA_RT_TEXT_LEN     320u

typedef struct vocana_rt_result {
    bool realtime;                  /* the thread runs SCHED_FIFO          */
    int priority;                   /* its priority; 0 when not real time  */
    int err;                        /* errno of a refusal, else 0          */
    char text[VOCANA_RT_TEXT_LEN];  /* one line: "SCHED_FIFO 80" or
                                       "normal priority (why; how to allow it)" */
} vocana_rt_result;

/* Asks SCHED_FIFO at `priority` (1..99; 0 asks nothing) for the calling
 * thread, with SCHED_RESET_ON_FORK on Linux (a child process is not real
 * time by accident).  Call it once at thread start, before the IO loop. */
void vocana_rt_promote_self(int priority, vocana_rt_result *out);

/* The text of a refusal: errno `err`, the soft RLIMIT_RTPRIO `limit` (-1:
 * unlimited or unknown).  Pure (tests use it to check the message). */
void vocana_rt_refusal_text(int priority, int err, long limit, char *buf, size_t len);

/* The calling thread's policy (SCHED_OTHER, SCHED_FIFO, ...) and priority:
 * 0, or -1 if the system cannot tell. */
int vocana_rt_self(int *policy, int *priority);

#endif /* VOCANA_OS_REALTIME_H */
