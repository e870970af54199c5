/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.vocana.host.os.Realtime;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.FromHostWriter;
import org.vocana.host.ring.ToHostReader;

/**
 * A device's audio thread: takes blocks from the region's "to host" ring, runs them through the
 * {@link ChainPlayer}, writes the "from host" ring and bumps the heartbeat. While no block is
 * ready it parks predictively: until {@value #EARLY_NANOS} ns before the next block is due (one
 * period after the last one arrived), then in short slices (50 µs, or a quarter period if that is
 * shorter). Measured against the alternatives ({@code ./vocana bench wake-up}): wake-up p50 7 µs,
 * p99 122 µs at 1 % of a core, where a quarter-period park gives p50 295 µs and a futex (which
 * would need the device side to make a system call per block) p50 7 µs, p99 64 µs at 0.3 %. It
 * keeps the heartbeat going; a partial block that has waited a whole period is processed as it is.
 * Nothing on the loop allocates or locks.
 *
 * <p>Visibility: every block's processing time goes to a {@link TimeRecorder}; a block that takes
 * more than {@value #OVERLOAD_PERCENT} % of the period counts as an overload, and
 * {@value #OVERLOAD_BLOCKS} in a row make the chain shed its optional effects until blocks have
 * taken less than half that for a second.
 *
 * <p>Watchdog support: while the chain runs, the engine is in the {@code PROCESSING} phase and
 * {@link #stalledNanos} tells for how long. A control thread that finds it stalled calls
 * {@link #abandon}: whichever of the two moves first wins, so a thread that comes back late
 * never touches the rings again, and the control thread may start a new engine on the same
 * reader and writer.
 *
 * <p>Scheduling: the audio thread asks for SCHED_FIFO at {@link Realtime#configuredPriority} once
 * at its start, before its loop ({@link #scheduling} tells what it got), and {@link #abandon}
 * takes real-time scheduling away from an abandoned thread by its kernel thread id
 * ({@link Realtime#demoteAbandoned}; {@link #demotion} tells what it became).
 */
public final class DeviceEngine implements AutoCloseable {

    /** Heartbeat at least this often even when no audio flows (the device side's stale limit is 1 s). */
    private static final long IDLE_HEARTBEAT_NANOS = 20_000_000L;
    /** Predictive waiting wakes this long before the next block is due. */
    static final long EARLY_NANOS = 300_000L;
    static final int OVERLOAD_PERCENT = 70;
    /**
     * Futex wake-ups (Linux): the audio thread sleeps until the device side writes, instead of the
     * predictive park (which stays where there is no futex, or with -Dvocana.wake=park).
     */
    static final boolean FUTEX = ToHostReader.canAwait() && !"park".equals(System.getProperty("vocana.wake"));
    static final int OVERLOAD_BLOCKS = 3;

    private static final int IDLE = 0;
    private static final int PROCESSING = 1;
    private static final int ABANDONED = 2;
    private static final int DEAD = 3;

    private final DeviceRegion region;
    private final ToHostReader in;
    private final FromHostWriter out;
    private final ChainPlayer player;
    private final int block;
    private final long parkNanos;
    private final long periodNanos;
    private final float[][] buffer;
    private final Thread thread;
    private final TimeRecorder blockTime = new TimeRecorder(3);
    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private volatile boolean running = true;
    private volatile long processingSince;
    /** Blocks begun: changes whenever the audio thread enters the chain for a new block (the watchdog's progress mark). */
    private volatile long entered;
    /** What killed the audio thread, or null while it lives (or stopped normally). */
    private volatile Throwable death;
    private volatile long blocks;
    private volatile long overloads;
    private volatile long deadlineMisses;
    private volatile boolean shedding;
    private final int priority;
    private final boolean idleWhenAbandoned;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Realtime.Scheduling scheduling;
    private volatile String demotion;

    /**
     * Starts the audio thread on the region's reader and writer.
     *
     * @param block frames per block: the device's IO buffer size
     */
    public DeviceEngine(DeviceRegion region, ChainPlayer player, int block) {
        this(region, region.toHostReader(), region.fromHostWriter(), player, block);
    }

    /**
     * Starts the audio thread on a reader and writer taken from {@code region} (a new engine
     * after an {@link #abandon}ed one keeps them).
     */
    public DeviceEngine(DeviceRegion region, ToHostReader in, FromHostWriter out, ChainPlayer player, int block) {
        this.region = region;
        this.in = in;
        this.out = out;
        this.player = player;
        this.block = block;
        this.periodNanos = (long) (1e9 * block / region.sampleRate());
        this.parkNanos = Math.max(10_000L, Math.min(50_000L, periodNanos / 4));
        this.buffer = new float[region.channels()][block];
        this.priority = Realtime.configuredPriority();
        this.idleWhenAbandoned = Realtime.abandonedIdle();
        this.thread = Thread.ofPlatform().name("vocana-audio-" + region.deviceId()).daemon().unstarted(this::loop);
        thread.start();
        try {
            started.await(2, TimeUnit.SECONDS); // its tid is known before anyone can abandon it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            run();
        } catch (Throwable t) {
            // e.g. InternalError from a mapping truncated under us: the control thread replaces us
            death = t;
            for (int p = phase.get(); p != ABANDONED && !phase.compareAndSet(p, DEAD); p = phase.get()) {
                Thread.onSpinWait();
            }
        } finally {
            started.countDown();
        }
    }

    private void run() {
        scheduling = Realtime.system().promoteCurrentThread(priority); // once, before the loop
        started.countDown();
        long lastBeat = 0;
        long partialSince = 0;
        long lastBlock = System.nanoTime();
        long overloadLimit = periodNanos * OVERLOAD_PERCENT / 100;
        long relaxLimit = overloadLimit / 2;
        long relaxBlocks = Math.max(1, 1_000_000_000L / Math.max(1, periodNanos));
        int overloadStreak = 0;
        long calmStreak = 0;
        boolean shed = false;
        while (running) {
            int available = in.available();
            long now = System.nanoTime();
            int frames = 0;
            if (available >= block) {
                frames = block;
            } else if (available > 0) {
                // a producer that writes odd sizes must not stall: a partial block waiting for a
                // whole period is processed as it is (chains take any block size)
                if (partialSince == 0) {
                    partialSince = now;
                } else if (now - partialSince >= periodNanos) {
                    frames = available;
                }
            }
            if (frames > 0) {
                partialSince = 0;
                in.read(buffer, frames);
                processingSince = now;
                entered = entered + 1;
                phase.set(PROCESSING);
                player.shed(shed);
                player.process(buffer, frames);
                lastBlock = now;
                if (!phase.compareAndSet(PROCESSING, IDLE)) {
                    return; // abandoned by the watchdog: another engine owns the rings now
                }
                // the frames keep the device time of the input they were made from (abi.h section 6)
                out.writeAt(buffer, frames, in.lastClock(), in.lastTime());
                region.heartbeat();
                long end = System.nanoTime();
                long took = end - now;
                blockTime.record(took);
                if (took > periodNanos) {
                    deadlineMisses++;
                }
                if (took > overloadLimit) {
                    calmStreak = 0;
                    if (++overloadStreak == OVERLOAD_BLOCKS) {
                        overloads++;
                        shed = true;
                    }
                } else {
                    overloadStreak = 0;
                    if (shed && took < relaxLimit && ++calmStreak >= relaxBlocks) {
                        shed = false;
                    }
                }
                shedding = shed;
                lastBeat = end;
                blocks++;
                continue;
            }
            if (now - lastBeat >= IDLE_HEARTBEAT_NANOS) {
                region.heartbeat();
                lastBeat = now;
            }
            if (FUTEX) {
                // the device side wakes us after each write (abi.h section 7); bounded by the
                // heartbeat, or by the moment a partial block is processed as it is
                in.awaitFrames(block, partialSince == 0 ? IDLE_HEARTBEAT_NANOS
                        : Math.max(10_000L, partialSince + periodNanos - now));
                continue;
            }
            long untilDue = lastBlock + periodNanos - EARLY_NANOS - now;
            LockSupport.parkNanos(untilDue > parkNanos && partialSince == 0
                    ? Math.min(untilDue, IDLE_HEARTBEAT_NANOS) : parkNanos);
        }
    }

    /**
     * How long the chain has been running on the current block, or 0 when the audio thread is
     * not inside the chain. Thread: any.
     */
    public long stalledNanos() {
        if (phase.get() != PROCESSING) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - processingSince);
    }

    /** True while the audio thread is inside the chain. Thread: any. */
    public boolean processing() {
        return phase.get() == PROCESSING;
    }

    /**
     * A value that changes every time the audio thread enters the chain for a block: with
     * {@link #processing}, what the watchdog judges a stall by (see {@link StallMeter}). Thread: any.
     */
    public long progressMark() {
        return entered;
    }

    /** What killed the audio thread (it is gone; start a new engine on the same rings), or null. Thread: any. */
    public Throwable death() {
        return phase.get() == DEAD ? death : null;
    }

    /**
     * Gives up on an audio thread that is stuck in the chain: if it is still inside, it will
     * never touch the rings again when (if ever) it returns. Returns true if the engine was
     * abandoned, false if the block finished first. The player and its chains stay with the lost
     * thread: do not close them. Thread: control thread.
     */
    public boolean abandon() {
        if (phase.compareAndSet(PROCESSING, ABANDONED)) {
            running = false;
            Realtime.Scheduling s = scheduling;
            // a thread that returned meanwhile exits: its tid is free (though not reused so soon)
            demotion = thread.isAlive() ? Realtime.system().demoteAbandoned(s == null ? 0 : s.tid(), idleWhenAbandoned)
                    : "had already returned";
            return true;
        }
        return false;
    }

    /** True once {@link #abandon} succeeded. */
    public boolean abandoned() {
        return phase.get() == ABANDONED;
    }

    /** What the audio thread got when it asked for real-time scheduling at its start. Thread: any. */
    public Realtime.Scheduling scheduling() {
        Realtime.Scheduling s = scheduling;
        return s != null ? s : new Realtime.Scheduling(0, false, 0, "not started yet");
    }

    /**
     * After a successful {@link #abandon}: what the thread's scheduling became, in one line (e.g.
     * {@code now runs SCHED_OTHER at nice 0 ...}); null before. Thread: any.
     */
    public String demotion() {
        return demotion;
    }

    /** The audio thread's id (for per-thread measurements). */
    public long threadId() {
        return thread.threadId();
    }

    /** Blocks processed so far. Thread: any. */
    public long blocks() {
        return blocks;
    }

    /** Blocks that took longer than the period. Thread: any. */
    public long deadlineMisses() {
        return deadlineMisses;
    }

    /** Times the engine started shedding optional effects. Thread: any. */
    public long overloads() {
        return overloads;
    }

    /** True while optional effects are shed. Thread: any. */
    public boolean shedding() {
        return shedding;
    }

    /** Processing time per block (the whole chain). Thread: one control thread. */
    public TimeSummary blockTime() {
        return blockTime.summary();
    }

    /** The block period in nanoseconds. */
    public long periodNanos() {
        return periodNanos;
    }

    public ChainPlayer player() {
        return player;
    }

    public DeviceRegion region() {
        return region;
    }

    public ToHostReader reader() {
        return in;
    }

    public FromHostWriter writer() {
        return out;
    }

    /**
     * Stops the audio thread and waits for it up to 2 s (the region and the player stay open).
     * Returns false if the thread did not stop (stuck in an effect): then its player must not be
     * closed. Thread: control thread.
     */
    @Override
    public void close() {
        stop();
    }

    /** As {@link #close()}, telling whether the thread stopped. */
    public boolean stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
