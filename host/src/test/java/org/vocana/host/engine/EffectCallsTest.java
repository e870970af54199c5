/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.vocana.host.effects.EffectInstance;
import org.vocana.host.testeffect.HalfEffect;

/**
 * The watchdog of calls into effect code on control threads: a call that hangs is abandoned after
 * the limit and reported once, the caller gets an answer and the next job runs on a new worker;
 * many short calls (a warm-up) are progress, not a hang; a stopped process (the clock jumps) does
 * not count.
 */
class EffectCallsTest {

    private static volatile boolean release;
    private final List<EffectStuckException> stuck = new CopyOnWriteArrayList<>();
    private final AtomicLong offset = new AtomicLong();

    private EffectCalls calls(long limitMillis) {
        return new EffectCalls("vocana-effects-test", limitMillis * 1_000_000L, () -> System.nanoTime() + offset.get(),
                stuck::add, line -> { });
    }

    @Test
    void aHangingCallIsAbandonedAfterTheLimitAndTheNextJobRunsOnANewWorker() throws InterruptedException {
        EffectCalls calls = calls(200);
        EffectInstance who = new EffectInstance(new HalfEffect(), () -> { }).position(2);
        Thread[] worker = new Thread[1];
        long start = System.nanoTime();
        EffectStuckException e = assertThrows(EffectStuckException.class, () -> calls.run(() -> {
            worker[0] = Thread.currentThread();
            calls.enter("warm-up", who);
            while (!release) {
                Thread.onSpinWait(); // does not return until the test is over
            }
            return null;
        }));
        long took = (System.nanoTime() - start) / 1_000_000;
        assertTrue(took >= 200 && took < 1_000, "abandoned after " + took + " ms");
        assertEquals("test-half", e.effectId());
        assertEquals("warm-up", e.phase());
        assertEquals(2, e.position());
        assertTrue(e.getMessage().startsWith("effect 'test-half' 1.0.0 (position 2) stuck in warm-up for "), e.getMessage());
        assertTrue(e.getMessage().contains("abandoned its thread vocana-effects-test ("), e.getMessage());
        assertEquals(List.of(e), stuck, "reported once");
        Thread[] next = new Thread[1];
        assertEquals(42, calls.run(() -> {
            next[0] = Thread.currentThread();
            return 42;
        }));
        assertNotEquals(worker[0], next[0], "a new worker");
        assertTrue(worker[0].isAlive(), "the abandoned one is left where it hangs");
        assertEquals(1, calls.abandonedWorkers());
        release = true; // the abandoned thread returns and ends: it takes no further job
        worker[0].join(2_000);
        assertTrue(!worker[0].isAlive(), "the abandoned worker ends once its call returns");
        calls.shutdown();
    }

    @Test
    void manyShortCallsAreProgressAndExceptionsComeBackAsThrown() {
        EffectCalls calls = calls(100);
        EffectInstance who = new EffectInstance(new HalfEffect(), () -> { });
        long start = System.nanoTime();
        int n = calls.run(() -> {
            int blocks = 0;
            while (System.nanoTime() - start < 400_000_000L) { // four times the limit, in 1 ms calls
                calls.enter("warm-up", who);
                try {
                    Thread.sleep(1);
                } finally {
                    calls.exit();
                }
                blocks++;
            }
            return blocks;
        });
        assertTrue(n > 50, n + " calls");
        assertTrue(stuck.isEmpty(), stuck.toString());
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> calls.run(() -> {
            throw new IllegalArgumentException("bad value");
        }));
        assertEquals("bad value", thrown.getMessage());
        assertEquals(7, calls.run(() -> calls.run(() -> 7)), "a job may run another (inline)");
        calls.shutdown();
    }

    @Test
    void aStoppedProcessDoesNotMakeAHealthyCallLookStuck() {
        EffectCalls calls = calls(200);
        EffectInstance who = new EffectInstance(new HalfEffect(), () -> { });
        calls.run(() -> {
            calls.enter("activate", who);
            try {
                offset.addAndGet(10_000_000_000L); // the clock jumps 10 s: a SIGSTOP of the whole process
                Thread.sleep(100);
            } finally {
                calls.exit();
            }
            return null;
        });
        assertTrue(stuck.isEmpty(), "a 10 s stop during a 100 ms call: not a hang " + stuck);
        calls.shutdown();
    }

    @Test
    void directCallsRunInline() {
        Thread me = Thread.currentThread();
        assertEquals(me, EffectCalls.DIRECT.run(Thread::currentThread));
    }
}
