/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vocana.host.ring.SampleGuard;

/**
 * What the sample boundary ({@link SampleGuard}, run by the "to host" reader and the "from host"
 * writer on every block) costs per block of 128 frames: on a clean block (the common case: a scan
 * that writes nothing), and on a block with one NaN (the replacement path), for 1, 2 and 8 channels.
 * Run: {@code ./vocana bench SampleGuardBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseZGC"})
@State(Scope.Thread)
public class SampleGuardBenchmark {

    static final int FRAMES = 128;

    @Param({"1", "2", "8"})
    int channels;

    float[][] block;
    SampleGuard guard;
    int next;

    @Setup
    public void setUp() {
        block = new float[channels][FRAMES];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < FRAMES; i++) {
                block[c][i] = (float) Math.sin(0.05 * i + c);
            }
        }
        guard = new SampleGuard();
    }

    /** A clean block: every sample is checked, none replaced. */
    @Benchmark
    public int cleanBlock() {
        return guard.clean(block, channels, 0, FRAMES);
    }

    /** A block with one NaN at a moving position: checked, one sample replaced and counted. */
    @Benchmark
    public int blockWithOneNaN() {
        int at = next++ & (FRAMES - 1);
        block[0][at] = Float.NaN;
        return guard.clean(block, channels, 0, FRAMES);
    }
}
