/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.engine.Chain;

/**
 * Cost of one 128-frame stereo block at 48 kHz through a chain, with a plain copy of the block as
 * the floor. Frames per second = 128 / (ns per op) * 1e9; the real-time budget of a 128-frame
 * block at 48 kHz is 2.667 ms. Run: {@code ./vocana bench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC"})
public class ChainBenchmark {

    static final int FRAMES = 128;
    static final int CHANNELS = 2;

    @Param({"highpass,denoise,gain,limiter", "highpass,gain,limiter", "highpass", "denoise", "gain", "limiter"})
    public String chain;

    private Chain active;
    private final float[][] buffer = new float[CHANNELS][FRAMES];
    private final float[][] source = new float[CHANNELS][FRAMES];

    @Setup(Level.Trial)
    public void setUp() {
        TestCatalog catalog = TestCatalog.builtIns().add(org.vocana.effect.denoise.NoiseSuppressor::new);
        active = Chain.activate(new ChainResolver(catalog).instantiate(ChainSpec.parse(chain)),
                48_000, FRAMES, CHANNELS);
        Random r = new Random(42);
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < FRAMES; i++) {
                source[c][i] = (float) (0.5 * r.nextGaussian());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        active.close();
    }

    @Benchmark
    public float[][] processBlock() {
        for (int c = 0; c < CHANNELS; c++) {
            System.arraycopy(source[c], 0, buffer[c], 0, FRAMES);
        }
        active.process(buffer, FRAMES);
        return buffer;
    }

    @Benchmark
    public float[][] copyOnly() {
        for (int c = 0; c < CHANNELS; c++) {
            System.arraycopy(source[c], 0, buffer[c], 0, FRAMES);
        }
        return buffer;
    }
}
