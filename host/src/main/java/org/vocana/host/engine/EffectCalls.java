/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.vocana.host.effects.EffectInstance;
import org.vocana.host.os.Realtime;

/**
 * The watchdog for calls into effect code off the audio thread: construction, activate, warm-up,
 * parameter calls, reset, deactivate and release. A device's control thread never runs effect
 * code itself: {@link #run} hands the job to a worker thread ({@code vocana-effects-ID}) and
 * waits. Inside the job each call into an effect is bracketed by {@link #enter} and {@link #exit},
 * which the waiting thread watches with a {@link StallMeter} (the worker's own progress, not wall
 * time). A call that stays stuck for the limit is abandoned: the worker is demoted (nice 19) and
 * left to itself, a new worker takes the next job, the hang is reported once through
 * {@code onStuck}, and {@link #run} throws {@link EffectStuckException}, so the caller keeps what
 * it had (the device its last good chain) and answers again at once.
 *
 * <p>{@link #DIRECT} runs jobs inline without a watchdog (offline rendering, tests).
 */
public final class EffectCalls {

    /** Runs every job on the calling thread, unwatched. */
    public static final EffectCalls DIRECT = new EffectCalls();

    /** Default limit for one call into an effect on a control thread. */
    public static final long DEFAULT_LIMIT_MILLIS = 1_000;
    /** System property that sets the limit in milliseconds (100..60000). */
    public static final String LIMIT_PROPERTY = "vocana.watchdog.controlMs";

    private static final long POLL_NANOS = 10_000_000L;

    private final String threadName;
    private final long limitNanos;
    private final LongSupplier clock;
    private final Consumer<EffectStuckException> onStuck;
    private final Consumer<String> onProblem;
    private final Object lock = new Object();
    private Worker worker;
    private int abandoned;

    private EffectCalls() {
        this.threadName = null;
        this.limitNanos = Long.MAX_VALUE;
        this.clock = System::nanoTime;
        this.onStuck = e -> { };
        this.onProblem = line -> { };
    }

    /**
     * @param threadName the worker threads' name
     * @param limitNanos how long one call may stay stuck
     * @param clock monotonic time for the stall measure (System::nanoTime; a test clock in tests)
     * @param onStuck told once per abandoned call, on the waiting thread
     * @param onProblem one line for an effect that threw where the host goes on (deactivate, release)
     */
    public EffectCalls(String threadName, long limitNanos, LongSupplier clock, Consumer<EffectStuckException> onStuck,
                       Consumer<String> onProblem) {
        if (limitNanos < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.threadName = threadName;
        this.limitNanos = limitNanos;
        this.clock = clock;
        this.onStuck = onStuck;
        this.onProblem = onProblem;
    }

    /**
     * The limit from {@value #LIMIT_PROPERTY} (default {@value #DEFAULT_LIMIT_MILLIS} ms);
     * throws {@link IllegalArgumentException} (one line) for a value out of range.
     */
    public static long configuredLimitMillis() {
        String v = System.getProperty(LIMIT_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_LIMIT_MILLIS;
        }
        try {
            long ms = Long.parseLong(v.strip());
            if (ms >= 100 && ms <= 60_000) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("-D" + LIMIT_PROPERTY + "=" + v + " is not valid: accepted 100..60000 (milliseconds)");
    }

    /** How long one call may stay stuck. */
    public long limitNanos() {
        return limitNanos;
    }

    /** Workers abandoned so far. */
    public int abandonedWorkers() {
        synchronized (lock) {
            return abandoned;
        }
    }

    /**
     * Runs {@code job} on the worker and returns its result, or rethrows what it threw; throws
     * {@link EffectStuckException} if a call into an effect inside it hung. Called on the worker
     * itself (a job that runs another), it runs inline. Thread: control threads.
     */
    public <T> T run(Callable<T> job) {
        if (threadName == null || isWorkerThread()) {
            return inline(job);
        }
        synchronized (lock) {
            Worker w = worker;
            if (w == null) {
                w = worker = new Worker(threadName + (abandoned == 0 ? "" : "-" + abandoned));
            }
            FutureTask<T> task = new FutureTask<>(job);
            w.tasks.add(task);
            StallMeter meter = new StallMeter(2 * POLL_NANOS);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return task.get(POLL_NANOS, TimeUnit.NANOSECONDS);
                    } catch (TimeoutException e) {
                        long stalled = meter.observe(clock.getAsLong(), w.inside, w.mark);
                        if (stalled >= limitNanos) {
                            throw abandon(w, stalled);
                        }
                    } catch (ExecutionException e) {
                        Throwable cause = e.getCause();
                        if (cause instanceof RuntimeException r) {
                            throw r;
                        }
                        if (cause instanceof Error err) {
                            throw err;
                        }
                        throw new IllegalStateException(cause);
                    } catch (InterruptedException e) {
                        interrupted = true; // keep watching: the job must end or be abandoned
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static <T> T inline(Callable<T> job) {
        try {
            return job.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #run(Callable)} for a job without a result. */
    public void run(Runnable job) {
        run(() -> {
            job.run();
            return null;
        });
    }

    private boolean isWorkerThread() {
        return Thread.currentThread() instanceof WorkerThread t && t.owner == this;
    }

    private EffectStuckException abandon(Worker w, long stalled) {
        w.abandoned = true;
        worker = null;
        abandoned++;
        String demotion = w.tid <= 0 ? "kept its priority (its thread id is unknown)" : describe(Realtime.system().demoteToNormal(w.tid, 19));
        Object who = w.who;
        EffectLabel label = who instanceof EffectInstance i ? new EffectLabel(i.id(), i.descriptor().version(), i.position())
                : who instanceof EffectLabel l ? l : null;
        EffectStuckException e = new EffectStuckException(label == null ? null : label.id(),
                label == null ? null : label.version(), label == null ? 0 : label.position(), w.phase,
                stalled, w.thread.getName(), demotion);
        try {
            onStuck.accept(e);
        } catch (RuntimeException ignored) {
            // a report that fails must not hide the hang from the caller
        }
        return e;
    }

    private static String describe(String err) {
        return err == null ? "now runs at nice 19" : "was not demoted: " + err;
    }

    /**
     * Marks the start of a call into {@code who}'s code ({@code phase}: "activate", "warm-up",
     * ...). Thread: inside a job (elsewhere it does nothing).
     */
    public void enter(String phase, EffectInstance who) {
        mark(phase, who);
    }

    /** As {@link #enter(String, EffectInstance)} before the instance exists (its construction). */
    public void enter(String phase, EffectLabel who) {
        mark(phase, who);
    }

    private void mark(String phase, Object who) {
        if (Thread.currentThread() instanceof WorkerThread t && t.owner == this) {
            Worker w = t.worker;
            w.phase = phase;
            w.who = who;
            w.mark = w.mark + 1;
            w.inside = true;
        }
    }

    /** Marks the end of the call {@link #enter} began. */
    public void exit() {
        if (Thread.currentThread() instanceof WorkerThread t && t.owner == this) {
            t.worker.inside = false;
        }
    }

    /**
     * Reports that {@code who} threw in {@code phase} where the host carries on (one line).
     * Thread: inside a job.
     */
    public void problem(EffectInstance who, String phase, RuntimeException e) {
        try {
            onProblem.accept("effect '" + who.id() + "' " + who.descriptor().version()
                    + (who.position() > 0 ? " (position " + who.position() + ")" : "") + " threw in " + phase + ": "
                    + FaultReports.describe(e));
        } catch (RuntimeException ignored) {
            // reporting must not stop the host's work
        }
    }

    /** Lets the idle worker go (a device closes); an abandoned one stays where it is stuck. */
    public void shutdown() {
        synchronized (lock) {
            if (worker != null) {
                worker.abandoned = true;
                worker.thread.interrupt();
                worker = null;
            }
        }
    }

    private final class WorkerThread extends Thread {
        final EffectCalls owner = EffectCalls.this;
        final Worker worker;

        WorkerThread(Worker worker, String name) {
            super(worker, name);
            this.worker = worker;
            setDaemon(true);
        }
    }

    private final class Worker implements Runnable {
        final LinkedBlockingQueue<FutureTask<?>> tasks = new LinkedBlockingQueue<>();
        final Thread thread;
        volatile int tid;
        volatile boolean abandoned;
        volatile boolean inside;
        volatile long mark;
        volatile String phase;
        volatile Object who;

        Worker(String name) {
            thread = new WorkerThread(this, name);
            thread.start();
        }

        @Override
        public void run() {
            tid = Realtime.system().currentTid();
            while (!abandoned) {
                FutureTask<?> task;
                try {
                    task = tasks.take();
                } catch (InterruptedException e) {
                    return;
                }
                task.run();
                inside = false;
            }
        }
    }
}
