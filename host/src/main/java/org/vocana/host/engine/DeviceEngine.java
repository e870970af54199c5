/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import java.util.concurrent.locks.LockSupport;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.FromHostWriter;
import org.vocana.host.ring.ToHostReader;

/**
 * A device's audio thread: takes blocks from the region's "to host" ring, runs them through the
 * {@link ChainPlayer}, writes the "from host" ring and bumps the heartbeat. While no block is
 * ready it parks for a quarter of a block period (a timed park: no lock, no system call the device
 * side depends on) and keeps the heartbeat going. A partial block that has waited a whole period is
 * processed as it is. Nothing on the loop allocates or locks.
 */
public final class DeviceEngine implements AutoCloseable {

    /** Heartbeat at least this often even when no audio flows (the device side's stale limit is 1 s). */
    private static final long IDLE_HEARTBEAT_NANOS = 20_000_000L;

    private final DeviceRegion region;
    private final ToHostReader in;
    private final FromHostWriter out;
    private final ChainPlayer player;
    private final int block;
    private final long parkNanos;
    private final long periodNanos;
    private final float[][] buffer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long blocks;

    /**
     * Starts the audio thread.
     *
     * @param block frames per block: the device's IO buffer size
     */
    public DeviceEngine(DeviceRegion region, ChainPlayer player, int block) {
        this.region = region;
        this.in = region.toHostReader();
        this.out = region.fromHostWriter();
        this.player = player;
        this.block = block;
        this.periodNanos = (long) (1e9 * block / region.sampleRate());
        this.parkNanos = Math.max(20_000L, periodNanos / 4);
        this.buffer = new float[region.channels()][block];
        this.thread = Thread.ofPlatform().name("vocana-audio-" + region.deviceId()).daemon().unstarted(this::loop);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    private void loop() {
        long lastBeat = 0;
        long partialSince = 0;
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
                player.process(buffer, frames);
                out.write(buffer, frames);
                region.heartbeat();
                lastBeat = now;
                blocks++;
                continue;
            }
            if (now - lastBeat >= IDLE_HEARTBEAT_NANOS) {
                region.heartbeat();
                lastBeat = now;
            }
            LockSupport.parkNanos(parkNanos);
        }
    }

    /** The audio thread's id (for per-thread measurements). */
    public long threadId() {
        return thread.threadId();
    }

    /** Blocks processed so far. Thread: any. */
    public long blocks() {
        return blocks;
    }

    public ChainPlayer player() {
        return player;
    }

    public DeviceRegion region() {
        return region;
    }

    /** Stops the audio thread and waits for it (the region and the player stay open). Thread: control thread. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
