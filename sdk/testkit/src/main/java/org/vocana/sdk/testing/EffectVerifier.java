/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.vocana.sdk.Effect;
import org.vocana.sdk.ParameterDescriptor;

/**
 * Verifies an effect the way a host will use it, in one call:
 * <pre>{@code
 * EffectVerifier.of(MyEffect::new).verify().assertPassed();
 * }</pre>
 * Each check has a name, a level (1 basic contract, 2 robustness, 3 real-time rules and
 * quality) and, when it fails, a message saying what to fix. Randomised checks use a seed (set
 * with {@link #seed}, printed with every failure) so that a failure can be reproduced. Runs
 * outside JUnit too ({@code vocana validate} uses it): {@link #verify()} returns a {@link Report}.
 */
public final class EffectVerifier {

    /** The highest level: every check. */
    public static final int MAX_LEVEL = 3;

    private static final int[] RATES = {8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 192_000};
    /** Outputs beyond this (+24 dBFS) count as out of bounds. */
    private static final float BOUND = 16f;

    private final Supplier<Effect> factory;
    private long seed = 0x5EEDL;
    private int level = MAX_LEVEL;
    private int maxFrames = 1024;
    private long checkTimeoutMillis = 60_000;

    private EffectVerifier(Supplier<Effect> factory) {
        this.factory = factory;
    }

    /** A verifier for the effect made by {@code factory} (called once per check: fresh instances). */
    public static EffectVerifier of(Supplier<Effect> factory) {
        return new EffectVerifier(factory);
    }

    /** Seed of the randomised checks (default 0x5EED). */
    public EffectVerifier seed(long s) {
        this.seed = s;
        return this;
    }

    /** Runs the checks up to this level (1..{@value #MAX_LEVEL}, default all). */
    public EffectVerifier level(int l) {
        if (l < 1 || l > MAX_LEVEL) {
            throw new IllegalArgumentException("level " + l + " out of range: accepted 1.." + MAX_LEVEL);
        }
        this.level = l;
        return this;
    }

    /** The largest block the effect is activated for (default 1024). */
    public EffectVerifier maxFrames(int frames) {
        if (frames < 1 || frames > 8192) {
            throw new IllegalArgumentException("maxFrames " + frames + " out of range: accepted 1..8192");
        }
        this.maxFrames = frames;
        return this;
    }

    /**
     * How long one check may run before the watchdog gives up on it (default 60 s): the check is
     * reported as hung and the next one runs (the stuck thread is left behind as a daemon).
     */
    public EffectVerifier checkTimeout(java.time.Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("check timeout must be positive, not " + timeout);
        }
        this.checkTimeoutMillis = timeout.toMillis();
        return this;
    }

    /** One check's outcome. {@code detail} says what was wrong and what to fix (empty if passed). */
    public record Result(String check, int level, boolean passed, String detail) {
    }

    /** All outcomes of one run, with the effect id and the seed. */
    public record Report(String effectId, long seed, int level, List<Result> results) {

        public boolean passed() {
            return results.stream().allMatch(Result::passed);
        }

        /** Throws an {@link AssertionError} listing every failed check and the seed. */
        public void assertPassed() {
            if (!passed()) {
                StringBuilder sb = new StringBuilder("effect '" + effectId + "' failed (seed 0x"
                        + Long.toHexString(seed) + ", level " + level + "):");
                for (Result r : results) {
                    if (!r.passed()) {
                        sb.append("\n  ").append(r.check()).append(": ").append(r.detail());
                    }
                }
                throw new AssertionError(sb.toString());
            }
        }
    }

    /** A check: returns null when it passes, else what is wrong and what to fix. */
    @FunctionalInterface
    private interface Check {
        String run() throws Exception;
    }

    /** Runs every check up to the level; never throws for a misbehaving effect. */
    public Report verify() {
        List<Result> results = new ArrayList<>();
        String id = id();
        run(results, "descriptor", 1, this::descriptor);
        run(results, "lifecycle", 1, this::lifecycle);
        run(results, "parameters-range", 1, this::parameterRange);
        run(results, "formats", 2, this::formats);
        run(results, "block-sizes", 2, this::blockSizes);
        run(results, "inputs", 2, this::inputs);
        run(results, "determinism-and-reset", 2, this::determinism);
        run(results, "parameter-fuzz", 2, this::parameterFuzz);
        run(results, "latency", 3, this::latency);
        run(results, "allocation", 3, this::allocation);
        run(results, "denormal-speed", 3, this::denormalSpeed);
        run(results, "linear-time", 3, this::linearTime);
        run(results, "concurrency", 3, this::concurrency);
        return new Report(id, seed, level, List.copyOf(results));
    }

    private String id() {
        try {
            return factory.get().descriptor().id();
        } catch (RuntimeException e) {
            return "(descriptor failed: " + e + ")";
        }
    }

    private void run(List<Result> results, String name, int checkLevel, Check check) {
        if (checkLevel > level) {
            return;
        }
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().name("verifier-" + name).unstarted(() -> {
            try {
                String p = check.run();
                outcome.set(p == null ? "" : p);
            } catch (Throwable e) {
                outcome.set("threw " + e + " (effects must not throw from process or parameter calls with valid arguments)");
            }
        });
        t.start();
        try {
            t.join(checkTimeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String problem = outcome.get();
        if (problem == null) {
            problem = "did not finish within " + checkTimeoutMillis / 1000.0 + " s: the effect hangs (in activate(),"
                    + " process() or a parameter call); the check was abandoned";
        } else if (problem.isEmpty()) {
            problem = null;
        }
        results.add(new Result(name, checkLevel, problem == null, problem == null ? "" : problem));
    }

    // ---- checks -------------------------------------------------------------------------------

    private String descriptor() {
        Effect e = factory.get();
        if (e.descriptor() == null || e.descriptor().id() == null) {
            return "descriptor() or its id is null";
        }
        if (e.descriptor() != e.descriptor()) {
            return "descriptor() must return the same object every call";
        }
        for (ParameterDescriptor p : e.descriptor().parameters()) {
            String problem = p.check(p.defaultValue());
            if (problem != null) {
                return "parameter '" + p.id() + "': its default is not accepted: " + problem;
            }
            if (e.parameter(e.descriptor().indexOf(p.id())) != p.defaultValue()) {
                return "parameter '" + p.id() + "' does not start at its default";
            }
        }
        return null;
    }

    private String lifecycle() {
        Effect e = factory.get();
        float[][] buf = new float[2][16];
        try {
            e.process(buf, buf, 16);
            return "process() before activate() must throw IllegalStateException (a host bug, reported clearly)";
        } catch (IllegalStateException expected) {
            // right
        }
        e.activate(48_000, maxFrames, 2);
        try {
            e.activate(48_000, maxFrames, 2);
            return "a second activate() without deactivate() must throw IllegalStateException";
        } catch (IllegalStateException expected) {
            // right
        }
        e.process(buf, buf, 16);
        e.deactivate();
        e.deactivate(); // idempotent
        e.activate(44_100, maxFrames / 2 + 1, 1);
        float[][] mono = new float[1][maxFrames / 2 + 1];
        mono[0][0] = 0.5f;
        e.process(mono, mono, mono[0].length);
        String bad = finite(mono, mono[0].length);
        e.deactivate();
        return bad == null ? null : "after re-activation at 44.1 kHz mono: " + bad;
    }

    private String parameterRange() {
        Effect e = factory.get();
        List<ParameterDescriptor> ps = e.descriptor().parameters();
        for (int i = 0; i < ps.size(); i++) {
            ParameterDescriptor p = ps.get(i);
            for (double v : new double[] {p.min() - 1, p.max() + 1, Double.NaN}) {
                try {
                    e.setParameter(i, v);
                    if (!(e.parameter(i) >= p.min() && e.parameter(i) <= p.max())) {
                        return "parameter '" + p.id() + "' accepted " + v + " and now holds " + e.parameter(i)
                                + "; refuse it (IllegalArgumentException) or clamp into " + p.min() + ".." + p.max();
                    }
                } catch (IllegalArgumentException refused) {
                    // declared behaviour
                }
            }
            try {
                e.setParameter(ps.size() + i, p.defaultValue());
                return "setParameter with an unknown index must throw IllegalArgumentException";
            } catch (IllegalArgumentException | IndexOutOfBoundsException expected) {
                // right
            }
        }
        return null;
    }

    private String formats() {
        for (int rate : RATES) {
            for (int channels = 1; channels <= 8; channels++) {
                Effect e = factory.get();
                e.activate(rate, 256, channels);
                float[][] buf = new float[channels][256];
                SplittableRandom r = new SplittableRandom(seed);
                for (int b = 0; b < 8; b++) {
                    fillNoise(buf, 256, r, 0.5f);
                    e.process(buf, buf, 256);
                    String bad = finite(buf, 256);
                    if (bad != null) {
                        e.deactivate();
                        return rate + " Hz, " + channels + " channels: " + bad;
                    }
                }
                e.deactivate();
            }
        }
        return null;
    }

    private String blockSizes() {
        Effect e = factory.get();
        e.activate(48_000, maxFrames, 2);
        float[][] buf = new float[2][maxFrames];
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = {0, 1, 2, 3, 7, 31, 61, 127, 128, 256, 509, Math.min(1021, maxFrames), maxFrames};
        for (int n : sizes) {
            if (n > maxFrames) {
                continue;
            }
            fillNoise(buf, n, r, 0.5f);
            e.process(buf, buf, n);
            String bad = finite(buf, n);
            if (bad != null) {
                return "block of " + n + " frames: " + bad;
            }
        }
        for (int i = 0; i < 500; i++) {
            int n = r.nextInt(maxFrames + 1);
            fillNoise(buf, n, r, 0.5f);
            e.process(buf, buf, n);
            String bad = finite(buf, n);
            if (bad != null) {
                return "random block of " + n + " frames (call " + i + "): " + bad;
            }
        }
        e.deactivate();
        return null;
    }

    private String inputs() {
        String[] names = {"silence", "DC", "full-scale noise", "impulses", "full-scale square", "sine sweep",
            "near-subnormal"};
        for (int setting = 0; setting < 3; setting++) {
            for (int kind = 0; kind < names.length; kind++) {
                Effect e = factory.get();
                String params = randomParameters(e, setting);
                e.activate(48_000, 256, 2);
                float[][] buf = new float[2][256];
                SplittableRandom r = new SplittableRandom(seed + kind);
                long t = 0;
                for (int b = 0; b < 200; b++, t += 256) {
                    signal(kind, buf, t, r);
                    e.process(buf, buf, 256);
                    String bad = finite(buf, 256);
                    if (bad != null) {
                        return names[kind] + " input" + params + ", block " + b + ": " + bad;
                    }
                }
                e.deactivate();
            }
        }
        return null;
    }

    /**
     * Setting 0 leaves the defaults; settings 1 and 2 set every parameter to a random value in its
     * range (seeded). Returns a description for messages ("" for the defaults).
     */
    private String randomParameters(Effect e, int setting) {
        if (setting == 0) {
            return "";
        }
        List<ParameterDescriptor> ps = e.descriptor().parameters();
        SplittableRandom r = new SplittableRandom(seed * 31 + setting);
        StringBuilder sb = new StringBuilder(" with");
        for (int i = 0; i < ps.size(); i++) {
            ParameterDescriptor p = ps.get(i);
            double v = p.min() + r.nextDouble() * (p.max() - p.min());
            if (p.check(v) != null) {
                v = r.nextBoolean() ? p.min() : p.max();
            }
            if (p.check(v) == null) {
                e.setParameter(i, v);
                sb.append(' ').append(p.id()).append('=').append(String.format(Locale.ROOT, "%.4g", v));
            }
        }
        return ps.isEmpty() ? "" : sb.toString();
    }

    private String determinism() {
        Effect e = factory.get();
        e.activate(48_000, 256, 2);
        int blocks = 64;
        float[][] first = run(e, blocks);
        e.reset();
        float[][] second = run(e, blocks);
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < first[c].length; i++) {
                if (Float.floatToRawIntBits(first[c][i]) != Float.floatToRawIntBits(second[c][i])) {
                    return "the same input after reset() gave a different output at frame " + i + " (" + first[c][i]
                            + " then " + second[c][i] + "): reset() must clear every state (delay lines, envelopes, "
                            + "smoothing, random generators)";
                }
            }
        }
        // reset really clears: silence after a reset decays to silence within the declared tail
        e.reset();
        float[][] buf = new float[2][256];
        int tail = Math.max(0, e.tailFrames());
        long silentFrom = -1;
        for (int b = 0; b < Math.max(4, tail / 256 + 4); b++) {
            java.util.Arrays.fill(buf[0], 0f);
            java.util.Arrays.fill(buf[1], 0f);
            e.process(buf, buf, 256);
            boolean silent = true;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 256; i++) {
                    silent &= Math.abs(buf[c][i]) < 1e-6f;
                }
            }
            if (silent && silentFrom < 0) {
                silentFrom = b * 256L;
            }
        }
        e.deactivate();
        if (silentFrom < 0 || silentFrom > tail + 256L) {
            return "after reset(), silence in did not give silence out within the declared tail of " + tail
                    + " frames; clear the state in onReset() or declare tailFrames()";
        }
        return null;
    }

    private float[][] run(Effect e, int blocks) {
        float[][] out = new float[2][blocks * 256];
        float[][] buf = new float[2][256];
        SplittableRandom r = new SplittableRandom(seed);
        for (int b = 0; b < blocks; b++) {
            fillNoise(buf, 256, r, 0.3f);
            if (b % 16 == 0) {
                buf[0][0] = 0.9f;
            }
            e.process(buf, buf, 256);
            System.arraycopy(buf[0], 0, out[0], b * 256, 256);
            System.arraycopy(buf[1], 0, out[1], b * 256, 256);
        }
        return out;
    }

    private String parameterFuzz() {
        Effect e = factory.get();
        List<ParameterDescriptor> ps = e.descriptor().parameters();
        e.activate(48_000, 256, 2);
        float[][] buf = new float[2][256];
        SplittableRandom r = new SplittableRandom(seed);
        long t = 0;
        double worstStep = 0;
        float last = 0;
        for (int b = 0; b < 400; b++, t += 256) {
            if (!ps.isEmpty()) {
                int i = r.nextInt(ps.size());
                ParameterDescriptor p = ps.get(i);
                double v = switch (r.nextInt(3)) {
                    case 0 -> p.min();
                    case 1 -> p.max();
                    default -> p.min() + r.nextDouble() * (p.max() - p.min());
                };
                if (p.check(v) == null) {
                    e.setParameter(i, v);
                }
            }
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < 256; k++) {
                    buf[c][k] = (float) (0.25 * Math.sin(2 * Math.PI * 440 * (t + k) / 48_000));
                }
            }
            // and within the block: a second jump between two calls that cover it
            int split = 1 + r.nextInt(254);
            float[][] tail = new float[2][256 - split];
            for (int c = 0; c < 2; c++) {
                System.arraycopy(buf[c], split, tail[c], 0, 256 - split);
            }
            e.process(buf, buf, split);
            if (!ps.isEmpty()) {
                int i = r.nextInt(ps.size());
                ParameterDescriptor p = ps.get(i);
                double v = r.nextBoolean() ? p.max() : p.min();
                if (p.check(v) == null) {
                    e.setParameter(i, v);
                }
            }
            e.process(tail, tail, 256 - split);
            for (int c = 0; c < 2; c++) {
                System.arraycopy(tail[c], 0, buf[c], split, 256 - split);
            }
            String bad = finite(buf, 256);
            if (bad != null) {
                return "parameter jumps every block and within blocks (block " + b + "): " + bad;
            }
            for (int k = 0; k < 256; k++) {
                worstStep = Math.max(worstStep, Math.abs(buf[0][k] - (k == 0 ? last : buf[0][k - 1])));
            }
            last = buf[0][255];
        }
        e.deactivate();
        // a 440 Hz sine at -12 dBFS moves at most 0.0144 per sample; allow +24 dB of gain changes
        if (worstStep > 0.25) {
            return String.format(Locale.ROOT, "a parameter jump made a step of %.3f between samples (zipper noise or a"
                    + " click): smooth parameter changes on the audio thread", worstStep);
        }
        return null;
    }

    private String latency() {
        Effect e = factory.get();
        e.activate(48_000, 256, 1);
        int latency = e.latencyFrames();
        float[][] buf = new float[1][256];
        int peakAt = -1;
        float peak = 0;
        int total = Math.max(2048, latency + 2048);
        for (int b = 0; b * 256 < total; b++) {
            java.util.Arrays.fill(buf[0], 0f);
            if (b == 0) {
                buf[0][0] = 0.25f;
            }
            e.process(buf, buf, 256);
            for (int i = 0; i < 256; i++) {
                if (Math.abs(buf[0][i]) > peak) {
                    peak = Math.abs(buf[0][i]);
                    peakAt = b * 256 + i;
                }
            }
        }
        e.deactivate();
        if (peak < 1e-4f) {
            return null; // an effect that silences an impulse cannot be measured this way
        }
        // the impulse's largest response lies at the reported latency (filters may spread it a little)
        if (Math.abs(peakAt - latency) > Math.max(2, latency / 100)) {
            return "latencyFrames() reports " + latency + " frames but an impulse comes out largest at frame " + peakAt
                    + ": report the delay the effect really adds";
        }
        return null;
    }

    private String allocation() {
        Effect e = factory.get();
        e.activate(48_000, 256, 2);
        float[][] buf = new float[2][256];
        SplittableRandom r = new SplittableRandom(seed);
        List<ParameterDescriptor> ps = e.descriptor().parameters();
        long bytes = AllocationMeter.steadyStateBytes(200, call -> {
            if (!ps.isEmpty() && call % 17 == 0) {
                ParameterDescriptor p = ps.get(call % ps.size());
                double v = (call / 17) % 2 == 0 ? p.min() : p.defaultValue();
                if (p.check(v) == null) {
                    e.setParameter(call % ps.size(), v);
                }
            }
            fillNoise(buf, 256, r, 0.5f);
            e.process(buf, buf, 256);
        });
        e.deactivate();
        return bytes == 0 ? null
                : bytes + " bytes allocated by process() in steady state: allocate in activate(), never on the audio thread";
    }

    private String denormalSpeed() {
        Effect e = factory.get();
        e.activate(48_000, 256, 2);
        float[][] buf = new float[2][256];
        SplittableRandom r = new SplittableRandom(seed);
        long normal = time(e, buf, () -> fillNoise(buf, 256, r, 0.5f));
        long tiny = time(e, buf, () -> fillNoise(buf, 256, r, 4 * Float.MIN_NORMAL));
        e.deactivate();
        // subnormal arithmetic costs ~100 cycles an operation: flag a slowdown of 4x that also
        // amounts to more than 10 ns per sample (cheap effects see a few ns from branch patterns)
        double extraPerSample = (tiny - normal) / (200.0 * 256 * 2);
        if (tiny > 4 * normal && extraPerSample > 10) {
            return String.format(Locale.ROOT, "processing near-subnormal input took %.1fx as long as normal input:"
                    + " flush tiny values to zero (e.g. add and subtract a small DC offset)", (double) tiny / normal);
        }
        return null;
    }

    private String linearTime() {
        int big = Math.min(maxFrames, 2048);
        if (big < 256) {
            return null;
        }
        Effect e = factory.get();
        e.activate(48_000, big, 2);
        float[][] buf = new float[2][big];
        SplittableRandom r = new SplittableRandom(seed);
        fillNoise(buf, big, r, 0.5f);
        long small = perFrame(e, buf, 32);
        long large = perFrame(e, buf, big);
        e.deactivate();
        // time per frame must not grow with the block (allow 3x for cache effects)
        if (large > 3 * small + 20) {
            return String.format(Locale.ROOT, "time per frame grows with the block size (%d ns at 32 frames, %d ns at %d"
                    + " frames): keep the work per frame constant", small, large, big);
        }
        return null;
    }

    /** Best-of-5 nanoseconds per frame for blocks of {@code frames} (about 200 000 frames per round). */
    private static long perFrame(Effect e, float[][] buf, int frames) {
        int calls = Math.max(4, 200_000 / frames);
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                e.process(buf, buf, frames);
            }
            best = Math.min(best, (System.nanoTime() - t0) / ((long) calls * frames));
        }
        return best;
    }

    private static long time(Effect e, float[][] buf, Runnable fill) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long total = 0;
            for (int b = 0; b < 200; b++) {
                fill.run();
                long t0 = System.nanoTime();
                e.process(buf, buf, 256);
                total += System.nanoTime() - t0;
            }
            best = Math.min(best, total);
        }
        return best;
    }

    private String concurrency() throws InterruptedException {
        Effect e = factory.get();
        List<ParameterDescriptor> ps = e.descriptor().parameters();
        if (ps.isEmpty()) {
            return null;
        }
        e.activate(48_000, 128, 2);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread control = Thread.ofPlatform().name("verifier-control").start(() -> {
            SplittableRandom r = new SplittableRandom(seed);
            while (!stop.get()) {
                int i = r.nextInt(ps.size());
                ParameterDescriptor p = ps.get(i);
                double v = p.min() + r.nextDouble() * (p.max() - p.min());
                try {
                    if (p.check(v) == null) {
                        e.setParameter(i, v);
                    }
                    e.parameter(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        });
        float[][] buf = new float[2][128];
        SplittableRandom r = new SplittableRandom(seed);
        String bad = null;
        try {
            for (int b = 0; b < 5_000 && bad == null; b++) {
                fillNoise(buf, 128, r, 0.5f);
                e.process(buf, buf, 128);
                bad = finite(buf, 128);
            }
        } finally {
            stop.set(true);
            control.join();
            e.deactivate();
        }
        if (failure.get() != null) {
            return "setParameter()/parameter() from a control thread threw " + failure.get() + " while process() ran";
        }
        return bad == null ? null : "with parameters changing from a control thread: " + bad;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static void fillNoise(float[][] buf, int n, SplittableRandom r, float amplitude) {
        for (float[] ch : buf) {
            for (int i = 0; i < n; i++) {
                ch[i] = (float) ((r.nextDouble() * 2 - 1) * amplitude);
            }
        }
    }

    private static void signal(int kind, float[][] buf, long t, SplittableRandom r) {
        for (float[] ch : buf) {
            for (int i = 0; i < ch.length; i++) {
                long n = t + i;
                ch[i] = switch (kind) {
                    case 0 -> 0f;
                    case 1 -> 0.5f;
                    case 2 -> (float) (r.nextDouble() * 2 - 1);
                    case 3 -> n % 4800 == 0 ? 1f : 0f;
                    case 4 -> (n / 24) % 2 == 0 ? 1f : -1f;
                    case 5 -> (float) (0.5 * Math.sin(2 * Math.PI * (20 + n * 0.5) * n / 48_000.0));
                    // just above the subnormal range: a gain below 1 or a decaying state makes subnormals
                    default -> (float) ((r.nextBoolean() ? 1 : -1) * Float.MIN_NORMAL * (1 + 3 * r.nextDouble()));
                };
            }
        }
    }

    /** Null if every sample is finite, not subnormal and within +24 dBFS; else what was found. */
    private static String finite(float[][] buf, int n) {
        for (int c = 0; c < buf.length; c++) {
            for (int i = 0; i < n; i++) {
                float v = buf[c][i];
                if (!Float.isFinite(v)) {
                    return "output " + v + " at channel " + c + ", frame " + i + ": outputs must be finite";
                }
                if (v != 0f && Math.abs(v) < Float.MIN_NORMAL) {
                    return "subnormal output " + v + " at channel " + c + ", frame " + i
                            + ": flush tiny values to zero (subnormals are slow on many CPUs)";
                }
                if (Math.abs(v) > BOUND) {
                    return "output " + v + " at channel " + c + ", frame " + i + " is beyond +24 dBFS";
                }
            }
        }
        return null;
    }
}
