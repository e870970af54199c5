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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.engine.AudioAllocation;
import org.vocana.host.engine.Chain;

/**
 * What counting the audio thread's allocations per slot costs a block: one 128-frame stereo block
 * through a four-effect chain (four cheap gains, where the difference shows, and a real chain) with the per-thread counter read around every slot (the default)
 * and with it off ({@code -Dvocana.alloc.meter=off}, another fork), and one read of the counter
 * alone. The difference between the first two is the cost per block (five reads for four slots).
 * Run: {@code ./vocana bench AllocationMeterBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AllocationMeterBenchmark {

    static final int FRAMES = 128;
    static final int CHANNELS = 2;

    /** The chain, effects joined by '+' (JMH splits parameter lists at commas). */
    @org.openjdk.jmh.annotations.Param({"gain+gain+gain+gain", "highpass+gain+gain:gainDb=-3+limiter"})
    public String spec;

    private Chain chain;
    private final float[][] buffer = new float[CHANNELS][FRAMES];
    private final float[][] source = new float[CHANNELS][FRAMES];

    @Setup(Level.Trial)
    public void setUp() {
        TestCatalog catalog = TestCatalog.builtIns();
        chain = Chain.activate(new ChainResolver(catalog).instantiate(ChainSpec.parse(spec.replace('+', ','))),
                48_000, FRAMES, CHANNELS);
        Random r = new Random(42);
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < FRAMES; i++) {
                source[c][i] = (float) (0.3 * r.nextGaussian());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        chain.close();
    }

    private float[][] block() {
        for (int c = 0; c < CHANNELS; c++) {
            System.arraycopy(source[c], 0, buffer[c], 0, FRAMES);
        }
        chain.process(buffer, FRAMES);
        return buffer;
    }

    /** A block with the counter read around every slot (the host's default). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC"})
    public float[][] blockMetered() {
        if (!AudioAllocation.METERED) {
            throw new IllegalStateException("the counter is off in this fork");
        }
        return block();
    }

    /** The same block with the counter off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC", "-Dvocana.alloc.meter=off"})
    public float[][] blockUnmetered() {
        if (AudioAllocation.METERED) {
            throw new IllegalStateException("the counter is on in this fork");
        }
        return block();
    }

    /** One read of the per-thread allocation counter. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC"})
    public long counterRead() {
        return AudioAllocation.current();
    }
}
