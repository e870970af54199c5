/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.sdk.testing.AllocationMeter;

class ChainPlayerTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 128;
    private static final int FADE = 480;

    private final TestCatalog catalog = TestCatalog.builtIns();
    private final ChainResolver resolver = new ChainResolver(catalog);

    private Chain chain(String spec) {
        return Chain.activate(resolver.instantiate(ChainSpec.parse(spec)), RATE, BLOCK, 1);
    }

    /** Runs {@code blocks} blocks of a 440 Hz sine at amplitude 0.5; returns the largest sample-to-sample step. */
    private static double[] run(ChainPlayer player, int blocks, Runnable betweenBlocks, long[] phase) {
        float[][] buf = new float[1][BLOCK];
        double maxStep = 0;
        double prev = Double.NaN;
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < BLOCK; i++) {
                buf[0][i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * (phase[0] + i) / RATE));
            }
            phase[0] += BLOCK;
            player.process(buf, BLOCK);
            for (int i = 0; i < BLOCK; i++) {
                if (!Double.isNaN(prev)) {
                    maxStep = Math.max(maxStep, Math.abs(buf[0][i] - prev));
                }
                prev = buf[0][i];
            }
            betweenBlocks.run();
        }
        return new double[] {maxStep, prev};
    }

    /** Largest step a swap between gains g1, g2 may cause: the sine's own slope plus the fade's. */
    private static double bound(double gMax, double gMin, int fade) {
        return 1.02 * (0.5 * gMax * 2 * Math.PI * 440 / RATE + 0.5 * (gMax - gMin) / fade);
    }

    @Test
    void thousandsOfSwapsMakeNoClick() {
        ChainPlayer player = new ChainPlayer(1, BLOCK, FADE);
        Random random = new Random(7);
        String[] specs = {"gain:gainDb=-12", "gain:gainDb=6", "highpass:cutoffHz=20,gain:gainDb=0", "gain:gainDb=-6,gain:gainDb=3"};
        int[] swaps = {0};
        long[] phase = {0};
        double[] r = run(player, 20_000, () -> {
            if (random.nextInt(8) == 0) {
                player.submit(chain(specs[random.nextInt(specs.length)]));
                swaps[0]++;
            }
            player.collectRetired();
        }, phase);
        assertTrue(swaps[0] > 2000, "swaps " + swaps[0]);
        double gMax = Math.pow(10, 6 / 20.0);
        double gMin = Math.pow(10, -12 / 20.0);
        assertTrue(r[0] <= bound(gMax, gMin, FADE), "largest step " + r[0] + " exceeds " + bound(gMax, gMin, FADE));
        player.close();
        assertEquals(0, catalog.live, "every chain was closed");
    }

    @Test
    void withoutTheFadeTheSameSwapsWouldClick() {
        // the measure above can fail: a one-frame "fade" is a hard switch
        ChainPlayer player = new ChainPlayer(1, BLOCK, 1);
        long[] phase = {0};
        int[] n = {0};
        double[] r = run(player, 200, () -> player.submit(chain(n[0]++ % 2 == 0 ? "gain:gainDb=-12" : "gain:gainDb=6")), phase);
        double gMax = Math.pow(10, 6 / 20.0);
        double gMin = Math.pow(10, -12 / 20.0);
        assertTrue(r[0] > 2 * bound(gMax, gMin, FADE), "hard switches should step by far more: " + r[0]);
        player.close();
    }

    @Test
    void latencyFollowsTheChainInUseAndNullPassesThrough() {
        ChainPlayer player = new ChainPlayer(1, BLOCK, FADE);
        float[][] buf = new float[1][BLOCK];
        player.submit(chain("limiter"));
        player.process(buf, BLOCK);
        assertEquals(96, player.latencyFrames());
        player.submit(null);
        for (int i = 0; i < 10; i++) {
            player.process(buf, BLOCK);
        }
        assertEquals(0, player.latencyFrames());
        buf[0][5] = 0.25f;
        player.process(buf, BLOCK);
        assertEquals(0.25f, buf[0][5]);
        assertEquals(2, player.swaps());
        player.collectRetired();
        assertEquals(0, catalog.live);
    }

    @Test
    void theAudioThreadAllocatesNothingWhileAControlThreadSwapsChains() throws Exception {
        ChainPlayer player = new ChainPlayer(2, BLOCK, FADE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong submitted = new AtomicLong();
        TestCatalog shared = TestCatalog.builtIns();
        ChainResolver control = new ChainResolver(shared);
        Thread controlThread = new Thread(() -> {
            String[] specs = {"gain:gainDb=-3", "highpass,gain:gainDb=2,limiter", "limiter:ceilingDb=-3"};
            int i = 0;
            while (!stop.get()) {
                synchronized (shared) {
                    player.submit(Chain.activate(control.instantiate(ChainSpec.parse(specs[i++ % specs.length])), RATE, BLOCK, 2));
                    player.collectRetired();
                }
                submitted.incrementAndGet();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        controlThread.start();
        float[][] buf = new float[2][BLOCK];
        long bytes;
        long swapsBefore;
        try {
            while (submitted.get() < 5) {
                player.process(buf, BLOCK);
            }
            swapsBefore = player.swaps();
            bytes = AllocationMeter.steadyStateBytes(20_000, i -> {
                buf[0][i % BLOCK] = (float) Math.sin(i * 0.01);
                buf[1][i % BLOCK] = buf[0][i % BLOCK];
                player.process(buf, BLOCK);
            });
        } finally {
            stop.set(true);
            controlThread.join();
        }
        long swapsDuringTest = player.swaps() - swapsBefore;
        synchronized (shared) {
            player.close();
        }
        assertTrue(submitted.get() > 20 && swapsDuringTest > 20, "swaps happened: " + swapsDuringTest);
        assertEquals(0, bytes, "bytes allocated on the audio thread across " + swapsDuringTest + " swaps");
    }
}
