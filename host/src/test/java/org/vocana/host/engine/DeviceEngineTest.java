/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.DeviceSide;

/**
 * The audio thread on a real region, with a Java stand-in for the device side: sample-exact
 * pass-through, and no allocation on the audio thread while chains are swapped.
 */
class DeviceEngineTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 128;

    @TempDir
    Path dir;

    /** Sequence value of interleaved sample k (never zero, exact in float). */
    private static float value(long k) {
        return 1 + (k % 16_777_215);
    }

    /** Streams {@code frames} frames of the sequence through the device; returns mismatches. */
    private static long stream(DeviceSide device, long frames, long[] sent, long[] received, Runnable betweenBlocks) {
        float[] out = new float[BLOCK * 2];
        float[] in = new float[BLOCK * 2];
        long errors = 0;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (received[0] < frames && System.nanoTime() < deadline) {
            if (sent[0] < frames && sent[0] - received[0] < 1024 && device.space() >= BLOCK) {
                for (int i = 0; i < BLOCK * 2; i++) {
                    out[i] = value(sent[0] * 2 + i);
                }
                sent[0] += device.write(out, BLOCK);
                betweenBlocks.run();
            }
            int n = Math.min(device.available(), BLOCK);
            if (n > 0) {
                device.read(in, n);
                for (int i = 0; i < n * 2; i++) {
                    if (in[i] != value(received[0] * 2 + i)) {
                        errors++;
                    }
                }
                received[0] += n;
            } else {
                Thread.onSpinWait();
            }
        }
        return errors;
    }

    @Test
    void passesAudioThroughSampleExactAndAllocatesNothingWhileChainsChange() throws Exception {
        try (DeviceRegion region = DeviceRegion.create(dir.resolve("vocana"), "engine", "Engine", RATE, 2, BLOCK,
                DeviceRegion.newGeneration());
             DeviceSide device = DeviceSide.attach(region.file())) {
            EngineWarmUp.once(); // as DeviceRuntime does before a device goes live
            ChainPlayer player = new ChainPlayer(2, BLOCK, 480);
            DeviceEngine engine = new DeviceEngine(region, player, BLOCK);
            long[] sent = {0};
            long[] received = {0};
            assertEquals(0, stream(device, 204_800, sent, received, () -> { }), "empty chain: sample exact");
            assertEquals(204_800, received[0]);

            // chains come and go (unity-gain chains keep the signal comparable by level only)
            TestCatalog catalog = TestCatalog.builtIns();
            ChainResolver resolver = new ChainResolver(catalog);
            String[] specs = {"gain:gainDb=-6", "highpass,gain,limiter", "gain:gainDb=3"};
            AtomicLong swaps = new AtomicLong();
            Runnable swap = () -> {
                if (sent[0] % (BLOCK * 40) == 0) {
                    player.submit(Chain.activate(resolver.instantiate(ChainSpec.parse(specs[(int) (swaps.getAndIncrement() % 3)])),
                            RATE, BLOCK, 2));
                    player.collectRetired();
                }
            };
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long audioThread = engine.threadId();
            stream(device, 1_024_000, sent, received, swap); // warm-up: class loading, JIT
            long before = mx.getThreadAllocatedBytes(audioThread);
            stream(device, 2_048_000, sent, received, swap);
            long bytes = mx.getThreadAllocatedBytes(audioThread) - before;
            if (bytes != 0) {
                // the JVM allocates a few hundred bytes once when C2 links a call site; real
                // allocation on the audio path shows up again
                before = mx.getThreadAllocatedBytes(audioThread);
                stream(device, 3_072_000, sent, received, swap);
                bytes = mx.getThreadAllocatedBytes(audioThread) - before;
            }
            assertTrue(swaps.get() > 100, "swaps: " + swaps.get());
            assertEquals(0, bytes, "bytes allocated by the audio thread across " + swaps.get() + " chain swaps");
            engine.close();
            player.close();
            assertEquals(0, catalog.live, "every retired chain was closed");
        }
    }
}
