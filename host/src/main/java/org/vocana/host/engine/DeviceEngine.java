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
 * side depends on) and keeps the heartbeat going. Nothing on the loop allocates or locks.
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
        this.parkNanos = Math.max(20_000L, (long) (1e9 * block / region.sampleRate() / 4));
        this.buffer = new float[region.channels()][block];
        this.thread = Thread.ofPlatform().name("vocana-audio-" + region.deviceId()).daemon().unstarted(this::loop);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    private void loop() {
        long lastBeat = 0;
        while (running) {
            if (in.available() >= block) {
                in.read(buffer, block);
                player.process(buffer, block);
                out.write(buffer, block);
                region.heartbeat();
                lastBeat = System.nanoTime();
                blocks++;
                continue;
            }
            long now = System.nanoTime();
            if (now - lastBeat >= IDLE_HEARTBEAT_NANOS) {
                region.heartbeat();
                lastBeat = now;
            }
            LockSupport.parkNanos(parkNanos);
        }
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
