/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * SCHED_FIFO for the calling thread and SCHED_IDLE by thread id, checked in /proc; the one-line
 * refusal (with how to allow it, once) from a kernel that says EPERM. The real-kernel tests need
 * CAP_SYS_NICE or an RLIMIT_RTPRIO of at least 42 (CI runs as root): without it they fail, saying so.
 */
class RealtimeTest {

    /** A kernel that refuses SCHED_FIFO as it does without CAP_SYS_NICE and with RLIMIT_RTPRIO 0. */
    private static final class Refusing implements Kernel {
        final long limit;
        int calls;

        Refusing(long limit) {
            this.limit = limit;
        }

        @Override
        public boolean supported() {
            return true;
        }

        @Override
        public String unsupportedReason() {
            return null;
        }

        @Override
        public int gettid() {
            return 1234;
        }

        @Override
        public int setScheduler(int tid, int policy, int priority) {
            calls++;
            return Realtime.EPERM;
        }

        @Override
        public long rtprioLimit() {
            return limit;
        }

        @Override
        public int lockAll(int flags) {
            return Realtime.EPERM;
        }

        @Override
        public int[] threads() {
            return new int[] {1234, 1235};
        }

        @Override
        public int niceOf(int tid) {
            return 0;
        }

        @Override
        public int setNice(int tid, int nice) {
            calls++;
            return 13; // EACCES, as setpriority says without CAP_SYS_NICE
        }

        @Override
        public long niceLimit() {
            return 0;
        }
    }

    /** Runs {@code body} on a new platform thread (so the test thread keeps its scheduling). */
    private static <T> T onNewThread(java.util.concurrent.Callable<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.set(body.call());
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.join(10_000);
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    @Test
    void theCallingThreadRunsSchedFifoAtThePriority() throws Exception {
        Realtime.ThreadPolicy[] seen = new Realtime.ThreadPolicy[1];
        Realtime.Scheduling s = onNewThread(() -> {
            Realtime.Scheduling got = Realtime.system().promoteCurrentThread(42);
            seen[0] = Realtime.policyOf(got.tid());
            return got;
        });
        assertTrue(s.realtime(), "SCHED_FIFO 42 refused here (the test needs root or RLIMIT_RTPRIO >= 42): " + s);
        assertEquals("SCHED_FIFO 42", s.description());
        assertEquals(42, s.priority());
        assertTrue(seen[0].fifo(), "policy in /proc: " + seen[0]);
        assertEquals(42, seen[0].rtPriority(), "rt_priority (field 40): " + seen[0]);
        assertEquals(-43, seen[0].priority(), "priority (field 18) of a real-time thread is -1 - rt_priority: " + seen[0]);
    }

    @Test
    void aThreadIsDroppedToSchedIdleByItsIdFromAnotherThread() throws Exception {
        CountDownLatch promoted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Realtime.Scheduling> s = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            s.set(Realtime.system().promoteCurrentThread(43));
            promoted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            promoted.await();
            int tid = s.get().tid();
            assertTrue(Realtime.policyOf(tid).fifo(), "before: " + Realtime.policyOf(tid) + " (" + s.get() + ")");
            assertNull(Realtime.system().demoteToIdle(tid));
            Realtime.ThreadPolicy after = Realtime.policyOf(tid);
            assertTrue(after.idle(), "after: " + after.describe());
            assertEquals("SCHED_IDLE", after.describe());
        } finally {
            release.countDown();
            t.join();
        }
    }

    @Test
    void aRefusalIsOneLineThatSaysHowToAllowItTheFirstTimeOnly() {
        Refusing kernel = new Refusing(0);
        Realtime rt = new Realtime(kernel);
        Realtime.Scheduling first = rt.promoteCurrentThread(70);
        assertFalse(first.realtime());
        assertEquals(0, first.priority());
        assertEquals(1234, first.tid());
        assertEquals("normal priority (SCHED_FIFO 70 not permitted: RLIMIT_RTPRIO is 0 and the process lacks CAP_SYS_NICE; "
                + "to allow it, put '@audio - rtprio 95' and '@audio - memlock unlimited' in /etc/security/limits.d/95-vocana.conf"
                + " (and '@audio - nice -11' for -Dvocana.rt.nice), add the user to group audio and log in again)",
                first.description());
        assertFalse(first.description().contains("\n"));
        Realtime.Scheduling second = rt.promoteCurrentThread(70);
        assertEquals("normal priority (SCHED_FIFO 70 not permitted: RLIMIT_RTPRIO is 0 and the process lacks CAP_SYS_NICE)",
                second.description());
        assertEquals(2, kernel.calls);
    }

    @Test
    void aRefusalDespiteTheLimitPointsAtTheCgroup() {
        Realtime.Scheduling s = new Realtime(new Refusing(95)).promoteCurrentThread(70);
        assertTrue(s.description().startsWith("normal priority (SCHED_FIFO 70 not permitted although RLIMIT_RTPRIO is 95:"
                + " the cgroup may have no real-time budget"), s.description());
    }

    @Test
    void otherThreadsGetTheNiceValueAndRealTimeOnesAreLeftAlone() throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Realtime.Scheduling> fifo = new AtomicReference<>();
        int[] normalTid = new int[1];
        Runnable wait = () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread a = Thread.ofPlatform().start(() -> {
            fifo.set(Realtime.system().promoteCurrentThread(44));
            ready.countDown();
            wait.run();
        });
        Thread b = Thread.ofPlatform().start(() -> {
            normalTid[0] = Realtime.system().promoteCurrentThread(0).tid();
            ready.countDown();
            wait.run();
        });
        try {
            ready.await();
            int fifoNice = Realtime.policyOf(fifo.get().tid()).nice();
            assertEquals("other threads nice -2", Realtime.system().favourOtherThreads(-2));
            assertEquals(-2, Realtime.policyOf(normalTid[0]).nice(), Realtime.policyOf(normalTid[0]).toString());
            assertEquals("SCHED_FIFO 44", Realtime.policyOf(fifo.get().tid()).describe(), fifo.get().toString());
            assertEquals(fifoNice, Realtime.policyOf(fifo.get().tid()).nice(), "a real-time thread's nice is left alone");
        } finally {
            release.countDown();
            a.join();
            b.join();
        }
    }

    @Test
    void aNiceRefusalIsOneLineThatSaysHowToAllowIt() {
        Refusing kernel = new Refusing(0);
        Realtime rt = new Realtime(kernel);
        assertEquals("other threads at their nice (nice -11 not permitted: RLIMIT_NICE is 0 (allows down to 20) and the"
                + " process lacks CAP_SYS_NICE; " + Realtime.HOW_TO_ALLOW + ")", rt.favourOtherThreads(-11));
        assertEquals("SCHED_FIFO 70 not permitted: RLIMIT_RTPRIO is 0 and the process lacks CAP_SYS_NICE",
                rt.promoteCurrentThread(70).description().replaceAll("^normal priority \\((.*)\\)$", "$1"),
                "said once per process");
        assertEquals("other threads' nice left alone (-Dvocana.rt.nice=0)", rt.favourOtherThreads(0));
    }

    @Test
    void priorityZeroAsksNothing() {
        Refusing kernel = new Refusing(0);
        Realtime.Scheduling s = new Realtime(kernel).promoteCurrentThread(0);
        assertEquals("normal priority (real-time off: -Dvocana.rt.priority=0)", s.description());
        assertEquals(0, kernel.calls);
    }

    @Test
    void theAbandonedPolicyIsNormalOrIdle() {
        String old = System.getProperty(Realtime.ABANDONED_PROPERTY);
        try {
            System.clearProperty(Realtime.ABANDONED_PROPERTY);
            assertFalse(Realtime.abandonedIdle());
            System.setProperty(Realtime.ABANDONED_PROPERTY, "normal");
            assertFalse(Realtime.abandonedIdle());
            System.setProperty(Realtime.ABANDONED_PROPERTY, "idle");
            assertTrue(Realtime.abandonedIdle());
            System.setProperty(Realtime.ABANDONED_PROPERTY, "kill");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Realtime::abandonedIdle);
            assertEquals("-Dvocana.rt.abandoned=kill is not valid: accepted normal (the default: SCHED_OTHER at nice 0)"
                    + " or idle (SCHED_IDLE)", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Realtime.ABANDONED_PROPERTY);
            } else {
                System.setProperty(Realtime.ABANDONED_PROPERTY, old);
            }
        }
    }

    @Test
    void theConfiguredNiceIsCheckedInOneLine() {
        String old = System.getProperty(Realtime.NICE_PROPERTY);
        try {
            System.clearProperty(Realtime.NICE_PROPERTY);
            assertEquals(0, Realtime.configuredNice());
            System.setProperty(Realtime.NICE_PROPERTY, "0");
            assertEquals(0, Realtime.configuredNice());
            System.setProperty(Realtime.NICE_PROPERTY, "1");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Realtime::configuredNice);
            assertEquals("-Dvocana.rt.nice=1 is not valid: accepted -20..0 (0: leave the threads' nice alone; default 0)",
                    e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Realtime.NICE_PROPERTY);
            } else {
                System.setProperty(Realtime.NICE_PROPERTY, old);
            }
        }
    }

    @Test
    void theConfiguredPriorityIsCheckedInOneLine() {
        String old = System.getProperty(Realtime.PRIORITY_PROPERTY);
        try {
            System.clearProperty(Realtime.PRIORITY_PROPERTY);
            assertEquals(70, Realtime.configuredPriority());
            System.setProperty(Realtime.PRIORITY_PROPERTY, "0");
            assertEquals(0, Realtime.configuredPriority());
            System.setProperty(Realtime.PRIORITY_PROPERTY, "99");
            assertEquals(99, Realtime.configuredPriority());
            for (String bad : new String[] {"100", "-1", "high"}) {
                System.setProperty(Realtime.PRIORITY_PROPERTY, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Realtime::configuredPriority);
                assertEquals("-Dvocana.rt.priority=" + bad + " is not valid: accepted 0 (real-time off) or 1..99"
                        + " (SCHED_FIFO priority; default 70)", e.getMessage());
            }
        } finally {
            if (old == null) {
                System.clearProperty(Realtime.PRIORITY_PROPERTY);
            } else {
                System.setProperty(Realtime.PRIORITY_PROPERTY, old);
            }
        }
    }

    @Test
    void procStatIsReadPastACommandWithSpacesAndParentheses() throws IOException {
        StringBuilder line = new StringBuilder("4242 (vocana-audio) (x) S");
        for (int field = 4; field <= 52; field++) {
            line.append(' ').append(switch (field) {
                case 18 -> "-71";
                case 40 -> "70";
                case 41 -> "1";
                default -> "0";
            });
        }
        Realtime.ThreadPolicy p = Realtime.parseStat(line.append('\n').toString());
        assertEquals(new Realtime.ThreadPolicy(1, 70, -71, 0), p);
        assertEquals("SCHED_FIFO 70", p.describe());
        assertThrows(IOException.class, () -> Realtime.parseStat("4242 (short) S 1 2"));
    }
}
