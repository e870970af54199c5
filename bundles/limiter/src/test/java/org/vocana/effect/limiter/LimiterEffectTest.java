/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.limiter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.TruePeakMeter;
import org.vocana.sdk.testing.AllocationMeter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.ParameterDescriptor.Scale;

class LimiterEffectTest {

    private static final int MAX_FRAMES = 512;
    /** 4x, 12 taps per branch: a BS.1770-4-style meter. */
    private static final TruePeakMeter METER_4X = TruePeakMeter.bs1770Style();
    /** 32x, 64 taps per branch. */
    private static final TruePeakMeter METER_FINE = TruePeakMeter.fine();
    /**
     * Tolerance of the fine meter over the ceiling: none. The limiter aims at the ceiling minus
     * {@link LimiterEffect#MARGIN_DB} (0.15 dB); the fine meter differs from the ideal band-limited
     * peak by less than 0.001 dB up to 0.45 fs and the limiter's detector differs from it by less
     * than that margin on these inputs (measured worst: 0.145 dB below the ceiling), so no
     * allowance is needed even though the fine meter resolves peaks between the 4x points.
     */
    private static final double FINE_TOLERANCE_DB = 0;

    /** Adversarial inputs. Channel c of a stereo signal is a variant (other phase, sign or seed). */
    enum Input {
        /** fs/4 sine at 45 degrees: samples at exactly +-1 (0 dBFS), true peak +3.01 dBTP. */
        QUARTER_RATE_45_DEGREES,
        /** 0.45 fs sine at 0 dBFS sample amplitude, abrupt start and end. */
        SINE_045_FS,
        /** 0.49 fs sine: samples reach the crest only every ~50 frames. */
        SINE_049_FS,
        /** fs/4 sine whose crests fall exactly between two 4x grid points (1/8 frame off). */
        QUARTER_RATE_OFF_GRID,
        /** A -6 dBFS 0.2 fs sine with a +12 dB pair (+4, -4) every 499 frames riding on it. */
        PAIRS_ON_A_SINE,
        /** Isolated pairs +1, -1 (and -1, +1): the classic inter-sample overshoot. */
        OPPOSITE_PAIRS,
        /** Full-scale 1 kHz square wave (Gibbs overshoot at every edge). */
        SQUARE,
        /** Single full-scale impulses. */
        IMPULSES,
        /** White noise up to +-8 (+18 dBFS). */
        NOISE_X8,
        /** Silence, then noise up to +-8; then gaps shorter than the release. */
        BURSTS,
        /** Silence, then the fs/4 45-degree sine at +6 dB (true peak +9 dBTP). */
        SINE_BURST,
        /** DC at full scale from frame 0 (a step). */
        DC
    }

    static float[][] signal(Input kind, int rate, int frames, int channels) {
        float[][] s = new float[channels][frames];
        for (int c = 0; c < channels; c++) {
            Random r = new Random(1234 + c);
            for (int i = 0; i < frames; i++) {
                double v = switch (kind) {
                    case QUARTER_RATE_45_DEGREES -> Math.sqrt(2) * Math.sin(Math.PI * i / 2 + Math.PI / 4 + c * Math.PI / 2);
                    case QUARTER_RATE_OFF_GRID -> 1.5 * Math.sin(Math.PI * i / 2 + Math.PI / 2 - Math.PI / 16 + c * Math.PI);
                    case PAIRS_ON_A_SINE -> {
                        int m = (i + 100 * c) % 499;
                        yield 0.5 * Math.sin(2 * Math.PI * 0.2 * i + c) + (m == 0 ? 4 : m == 1 ? -4 : 0);
                    }
                    case SINE_045_FS -> Math.sin(2 * Math.PI * 0.45 * i + 0.3 + c);
                    case SINE_049_FS -> Math.sin(2 * Math.PI * 0.49 * i + 0.3 + c);
                    case OPPOSITE_PAIRS -> {
                        int m = (i + 37 * c) % 301;
                        double sign = (i / 301) % 2 == 0 ? 1 : -1;
                        yield m == 0 ? sign : m == 1 ? -sign : 0;
                    }
                    case SQUARE -> Math.sin(2 * Math.PI * 1000.0 * i / rate + c) >= 0 ? 1 : -1;
                    case IMPULSES -> (i + 53 * c) % 397 == 0 ? (c == 0 ? 1 : -1) : 0;
                    case NOISE_X8 -> (r.nextDouble() * 2 - 1) * 8;
                    case BURSTS -> {
                        int period = rate / 10;
                        double noise = (r.nextDouble() * 2 - 1) * 8;
                        yield i >= 2000 && (i - 2000) % period < period / 2 ? noise : 0;
                    }
                    case SINE_BURST -> i < 2000 ? 0 : 2 * Math.sqrt(2) * Math.sin(Math.PI * i / 2 + Math.PI / 4 + c);
                    case DC -> c == 0 ? 1 : -1;
                };
                s[c][i] = (float) v;
            }
        }
        return s;
    }

    static LimiterEffect limiter(double rate, int channels, double ceilingDb) {
        LimiterEffect e = new LimiterEffect();
        e.setParameter(LimiterEffect.CEILING_DB, ceilingDb);
        e.activate(rate, MAX_FRAMES, channels);
        return e;
    }

    /**
     * Runs the whole input plus {@code extra} frames of silence through the effect in blocks of
     * {@code block} frames (0: random sizes 1..MAX_FRAMES), through separate in/out buffers.
     */
    static float[][] run(LimiterEffect e, float[][] in, int block, int extra) {
        int channels = in.length;
        int total = in[0].length + extra;
        float[][] out = new float[channels][total];
        float[][] bi = new float[channels][MAX_FRAMES];
        float[][] bo = new float[channels][MAX_FRAMES];
        Random r = new Random(99);
        for (int pos = 0; pos < total;) {
            int n = Math.min(total - pos, block > 0 ? block : 1 + r.nextInt(MAX_FRAMES));
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < n; i++) {
                    bi[c][i] = pos + i < in[c].length ? in[c][pos + i] : 0f;
                }
            }
            e.process(bi, bo, n);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(bo[c], 0, out[c], pos, n);
            }
            pos += n;
        }
        return out;
    }

    private static double db(double linear) {
        return 20 * Math.log10(linear);
    }

    private static double lin(double db) {
        return Math.pow(10, db / 20);
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void descriptorDeclaresTheThreeParameters() {
        LimiterEffect e = new LimiterEffect();
        assertEquals("limiter", e.descriptor().id());
        ParameterDescriptor ceiling = e.descriptor().parameters().get(LimiterEffect.CEILING_DB);
        assertEquals("ceilingDb", ceiling.id());
        assertEquals("dBTP", ceiling.unit());
        assertEquals(-24, ceiling.min());
        assertEquals(0, ceiling.max());
        assertEquals(-1, ceiling.defaultValue());
        assertEquals(Scale.LINEAR, ceiling.scale());
        ParameterDescriptor release = e.descriptor().parameters().get(LimiterEffect.RELEASE_MS);
        assertEquals("releaseMs", release.id());
        assertEquals("ms", release.unit());
        assertEquals(1, release.min());
        assertEquals(1000, release.max());
        assertEquals(80, release.defaultValue());
        assertEquals(Scale.LOG, release.scale());
        ParameterDescriptor lookahead = e.descriptor().parameters().get(LimiterEffect.LOOKAHEAD_MS);
        assertEquals("lookaheadMs", lookahead.id());
        assertEquals("ms", lookahead.unit());
        assertEquals(1, lookahead.min());
        assertEquals(10, lookahead.max());
        assertEquals(2, lookahead.defaultValue());
        assertEquals(Scale.LOG, lookahead.scale());
    }

    /**
     * For every adversarial input, at 44.1 and 48 kHz (96 kHz for the noise inputs), mono and
     * stereo, ceilings -1, -0.1 and -6 dBTP: the output does not depend on the block size (1, 7,
     * 128, 480, random), its 4x true peak is at most the ceiling (no tolerance) and so is the
     * 32x reference's (tolerance {@value #FINE_TOLERANCE_DB} dB).
     */
    @ParameterizedTest
    @EnumSource(Input.class)
    void truePeakNeverExceedsTheCeiling(Input kind) {
        int[] rates = kind == Input.NOISE_X8 || kind == Input.BURSTS
                ? new int[] {44_100, 48_000, 96_000} : new int[] {44_100, 48_000};
        double worst4x = Double.NEGATIVE_INFINITY;
        double worstFine = Double.NEGATIVE_INFINITY;
        for (int rate : rates) {
            for (int channels = 1; channels <= 2; channels++) {
                float[][] in = signal(kind, rate, 6000, channels);
                for (double ceiling : new double[] {-1, -0.1, -6}) {
                    float[][] reference = null;
                    for (int block : new int[] {128, 1, 7, 480, 0}) {
                        LimiterEffect e = limiter(rate, channels, ceiling);
                        float[][] out = run(e, in, block, e.latencyFrames() + 64);
                        if (reference == null) {
                            reference = out;
                        } else {
                            for (int c = 0; c < channels; c++) {
                                assertArrayEquals(reference[c], out[c], kind + " block " + block + " differs from block 128");
                            }
                        }
                    }
                    String where = kind + " " + rate + " Hz, " + channels + " ch, ceiling " + ceiling;
                    double p4 = db(METER_4X.peak(reference)) - ceiling;
                    double pf = db(METER_FINE.peak(reference)) - ceiling;
                    assertTrue(METER_4X.peak(reference) <= lin(ceiling),
                            where + ": 4x true peak " + p4 + " dB over the ceiling");
                    assertTrue(pf <= FINE_TOLERANCE_DB, where + ": 32x true peak " + pf + " dB over the ceiling");
                    worst4x = Math.max(worst4x, p4);
                    worstFine = Math.max(worstFine, pf);
                }
            }
        }
        System.out.printf("limiter %-24s worst output true peak vs ceiling: 4x %+.4f dB, 32x %+.4f dB%n",
                kind, worst4x, worstFine);
    }

    @Test
    void belowTheCeilingTheOutputIsTheDelayedInputBitForBit() {
        for (int block : new int[] {128, 0}) {
            LimiterEffect e = limiter(48_000, 2, -1);
            int d = e.latencyFrames();
            float[][] in = new float[2][48_000];
            for (int i = 0; i < in[0].length; i++) {
                in[0][i] = (float) (lin(-12) * Math.sin(2 * Math.PI * 997 * i / 48_000.0));
                in[1][i] = (float) (lin(-12) * Math.cos(2 * Math.PI * 1499 * i / 48_000.0));
            }
            float[][] out = run(e, in, block, d);
            for (int c = 0; c < 2; c++) {
                assertArrayEquals(new float[d], Arrays.copyOfRange(out[c], 0, d));
                assertArrayEquals(in[c], Arrays.copyOfRange(out[c], d, d + in[c].length), "channel " + c);
            }
        }
    }

    @Test
    void latencyIsTheLookaheadAndAnImpulseAppearsExactlyThere() {
        for (int rate : new int[] {44_100, 48_000, 96_000, 16_000, 8_000}) {
            for (double ms : new double[] {1, 2, 3.7, 10}) {
                LimiterEffect e = new LimiterEffect();
                e.setParameter(LimiterEffect.LOOKAHEAD_MS, ms);
                e.activate(rate, MAX_FRAMES, 1);
                int expected = Math.max(LimiterEffect.MIN_LATENCY, (int) Math.round(ms * rate / 1000));
                assertEquals(expected, e.latencyFrames(), rate + " Hz, " + ms + " ms");
                assertEquals(e.latencyFrames(), e.tailFrames());
                float[][] in = {new float[2000]};
                in[0][0] = 0.1f;
                float[][] out = run(e, in, 64, 0);
                for (int i = 0; i < out[0].length; i++) {
                    assertEquals(i == expected ? 0.1f : 0f, out[0][i], rate + " Hz, " + ms + " ms, frame " + i);
                }
            }
        }
        // the rule above 32 kHz is exactly round(ms * rate / 1000)
        assertEquals(96, limiter(48_000, 1, -1).latencyFrames());
        assertEquals(88, limiter(44_100, 1, -1).latencyFrames());
    }

    @Test
    void lookaheadChangesTakeEffectOnResetAndLatencyFollows() {
        LimiterEffect e = limiter(48_000, 1, -1);
        assertEquals(96, e.latencyFrames());
        e.setParameter(LimiterEffect.LOOKAHEAD_MS, 5);
        float[][] in = {new float[300]};
        in[0][0] = 0.1f;
        float[][] out = run(e, in, 100, 0);
        assertEquals(96, e.latencyFrames(), "not applied while running");
        assertEquals(0.1f, out[0][96]);
        e.reset();
        assertEquals(240, e.latencyFrames());
        out = run(e, in, 100, 0);
        assertEquals(0.1f, out[0][240]);
        assertEquals(0f, out[0][96]);
    }

    @Test
    void doesNotOverAttenuateAFullScaleSine() {
        for (int rate : new int[] {44_100, 48_000}) {
            LimiterEffect e = limiter(rate, 1, -1);
            float[][] in = {new float[rate / 2]};
            for (int i = 0; i < in[0].length; i++) {
                in[0][i] = (float) Math.sin(2 * Math.PI * 1000 * i / rate);
            }
            float[][] out = run(e, in, 128, 0);
            // settled: the last 0.25 s (the release is 80 ms; the gain is held by every half-cycle)
            double peakDb = db(METER_4X.peak(out[0], out[0].length - rate / 4, out[0].length));
            assertTrue(peakDb <= -1, rate + ": " + peakDb);
            assertTrue(peakDb >= -1.2, rate + ": over-attenuated to " + peakDb + " dBTP");
            System.out.printf("limiter 0 dBFS 1 kHz sine at %d Hz, ceiling -1: settled true peak %.4f dBTP%n", rate, peakDb);
        }
    }

    /**
     * Stereo: channel 0 is silence then a burst, channel 1 a constant 0.01 probe (far below the
     * ceiling). The gain is linked, so out1 / 0.01 is the applied gain. It must be exactly 1.0
     * until the ramp, start falling before the burst reaches the output, and never change by more
     * than (1 - minimum gain) / max(L1, L2) per frame (the bound of two cascaded moving averages of
     * lengths L1 + L2 - 1 = L = latency - 2S + 1 frames; 1/48 per frame at 48 kHz, 2 ms).
     */
    @Test
    void gainRampsSmoothlyBeforeABurst() {
        for (int rate : new int[] {44_100, 48_000}) {
            LimiterEffect e = limiter(rate, 2, -1);
            int d = e.latencyFrames();
            int start = 3000;
            float[][] in = new float[2][8000];
            Random r = new Random(5);
            for (int i = 0; i < in[0].length; i++) {
                in[0][i] = i < start ? 0f : (float) ((r.nextDouble() * 2 - 1) * 8);
                in[1][i] = 0.01f;
            }
            float[][] out = run(e, in, 128, 0);
            double min = 1;
            double maxStep = 0;
            double prev = 1;
            for (int i = 0; i < in[0].length; i++) {
                double g = out[1][i] / 0.01;
                if (i >= d) {
                    min = Math.min(min, g);
                    maxStep = Math.max(maxStep, Math.abs(g - prev));
                    prev = g;
                }
                if (i >= d && i < start) {
                    assertEquals(0.01f, out[1][i], "gain exactly 1 before the ramp, frame " + i);
                }
            }
            assertTrue(out[1][start + d] / 0.01 < 0.5, "the gain is down when the burst comes out");
            double bound = (1 - min) * e.maxGainStepPerDepth();
            assertTrue(maxStep <= bound * 1.0001 + 1e-6, "largest gain step " + maxStep + " > bound " + bound);
            System.out.printf("limiter burst at %d Hz: gain %.4f..1, largest step per frame %.5f (bound %.5f)%n",
                    rate, min, maxStep, bound);
        }
    }

    /**
     * The gain must have finished its ramp before the first frame that the interpolation kernel
     * around a peak reads (S = {@value LimiterEffect#HALF_SPAN} frames before it) and hold until
     * the last (S after): an isolated +12 dB impulse, with a linked 0.01 probe channel, must see
     * one flat gain (bit-identical probe samples) over input frames p-S..p+S, at most ceiling / 4.
     */
    @Test
    void gainIsFlatOverTheInterpolationSupportOfAPeak() {
        int s = LimiterEffect.HALF_SPAN;
        for (int rate : new int[] {44_100, 48_000}) {
            for (double ms : new double[] {1, 2, 10}) {
                LimiterEffect e = new LimiterEffect();
                e.setParameter(LimiterEffect.LOOKAHEAD_MS, ms);
                e.setParameter(LimiterEffect.RELEASE_MS, 1); // a fast release exposes a short hold
                e.activate(rate, MAX_FRAMES, 2);
                int d = e.latencyFrames();
                int p = 3000;
                float[][] in = new float[2][6000];
                Arrays.fill(in[1], 0.01f);
                in[0][p] = 4;
                float[][] out = run(e, in, 128, 0);
                float flat = out[1][p + d];
                assertTrue(flat / 0.01 * 4 <= lin(-1), "gain " + flat / 0.01);
                for (int k = p - s; k <= p + s; k++) {
                    assertEquals(flat, out[1][k + d], rate + " Hz, " + ms + " ms: probe at input frame p" + (k - p));
                }
                assertTrue(out[1][p - s - 1 + d] > flat, "the ramp ends right before the support");
                assertTrue(out[1][p + s + 1 + d] >= flat);
            }
        }
    }

    @Test
    void ceilingChangesAreSmoothAndThenHonoured() {
        int rate = 48_000;
        LimiterEffect e = limiter(rate, 2, -1);
        float[][] noise = signal(Input.NOISE_X8, rate, 4800, 1);
        float[][] bi = new float[2][128];
        float[][] bo = new float[2][128];
        float[] all = new float[200 * 128];
        float[] probe = new float[200 * 128];
        for (int b = 0; b < 200; b++) {
            if (b == 100) {
                e.setParameter(LimiterEffect.CEILING_DB, -12);
            }
            for (int i = 0; i < 128; i++) {
                bi[0][i] = noise[0][(b * 128 + i) % 4800];
                bi[1][i] = 0.001f;
            }
            e.process(bi, bo, 128);
            System.arraycopy(bo[0], 0, all, b * 128, 128);
            System.arraycopy(bo[1], 0, probe, b * 128, 128);
        }
        double maxStep = 0;
        for (int i = 100 * 128; i < probe.length; i++) {
            maxStep = Math.max(maxStep, Math.abs(probe[i] - probe[i - 1]) / 0.001);
        }
        // 11 dB in 20 ms is 0.0115 dB per frame, about 0.0013 of the gain
        assertTrue(maxStep < 0.002, "gain step " + maxStep);
        int settled = 100 * 128 + (int) (LimiterEffect.CEILING_RAMP_MS * rate / 1000) + e.latencyFrames() + 64;
        assertTrue(METER_4X.peak(all, settled, all.length) <= lin(-12));
        assertTrue(METER_4X.peak(all, 50 * 128, 100 * 128) <= lin(-1));
    }

    @Test
    void channelsShareOneGain() {
        LimiterEffect e = limiter(48_000, 2, -3);
        float[][] in = signal(Input.NOISE_X8, 48_000, 5000, 1);
        float[][] stereo = {in[0], new float[5000]};
        for (int i = 0; i < 5000; i++) {
            stereo[1][i] = in[0][i] * 0.5f;
        }
        float[][] out = run(e, stereo, 128, e.latencyFrames());
        for (int i = 0; i < out[0].length; i++) {
            assertEquals(out[0][i] * 0.5f, out[1][i], "frame " + i);
        }
    }

    @Test
    void processesInPlace() {
        float[][] in = signal(Input.BURSTS, 48_000, 6000, 2);
        LimiterEffect a = limiter(48_000, 2, -1);
        float[][] expected = run(a, in, 100, 0);
        LimiterEffect b = limiter(48_000, 2, -1);
        float[][] buf = {in[0].clone(), in[1].clone()};
        float[][] block = new float[2][100];
        for (int pos = 0; pos < 6000; pos += 100) {
            for (int c = 0; c < 2; c++) {
                System.arraycopy(buf[c], pos, block[c], 0, 100);
            }
            b.process(block, block, 100);
            for (int c = 0; c < 2; c++) {
                System.arraycopy(block[c], 0, buf[c], pos, 100);
            }
        }
        assertArrayEquals(expected[0], buf[0]);
        assertArrayEquals(expected[1], buf[1]);
    }

    @Test
    void resetClearsTheDelayLineAndTheGain() {
        LimiterEffect e = limiter(48_000, 2, -1);
        run(e, signal(Input.NOISE_X8, 48_000, 3000, 2), 128, 0);
        e.reset();
        float[][] silence = run(e, new float[2][3000], 128, 0);
        assertArrayEquals(new float[3000], silence[0]);
        assertArrayEquals(new float[3000], silence[1]);
        // and the gain is back to exactly 1: a quiet sine passes bit for bit at once
        e.reset();
        float[][] sine = new float[1][2000];
        for (int i = 0; i < 2000; i++) {
            sine[0][i] = (float) (0.25 * Math.sin(i * 0.05));
        }
        float[][] stereo = {sine[0], sine[0]};
        float[][] out = run(e, stereo, 128, 0);
        int d = e.latencyFrames();
        assertArrayEquals(Arrays.copyOfRange(sine[0], 0, 2000 - d), Arrays.copyOfRange(out[0], d, 2000));
    }

    @Test
    void releaseReturnsToExactlyUnityGain() {
        LimiterEffect e = limiter(48_000, 1, -1);
        e.setParameter(LimiterEffect.RELEASE_MS, 20);
        run(e, signal(Input.NOISE_X8, 48_000, 2000, 1), 128, 0);
        float[][] quiet = {new float[48_000]};
        for (int i = 0; i < quiet[0].length; i++) {
            quiet[0][i] = (float) (0.25 * Math.sin(i * 0.05));
        }
        float[][] out = run(e, quiet, 128, 0);
        int d = e.latencyFrames();
        // from 0.5 s on, bit exact again
        for (int i = 24_000; i < 48_000; i++) {
            assertEquals(quiet[0][i - d], out[0][i], "frame " + i);
        }
    }

    /**
     * Zero allocation in process(), including parameter changes and both the limiting and the
     * transparent path, measured with the JVM's per-thread allocation counter after warm-up.
     */
    @Test
    void renderDoesNotAllocate() {
        LimiterEffect e = limiter(48_000, 2, -1);
        float[][] loud = signal(Input.NOISE_X8, 48_000, 128, 2);
        float[][] quiet = new float[2][128];
        float[][] out = new float[2][128];
        for (int i = 0; i < 128; i++) {
            quiet[0][i] = (float) (0.01 * Math.sin(i * 0.1));
            quiet[1][i] = quiet[0][i];
        }
        long allocated = AllocationMeter.steadyStateBytes(10_000, i -> step(e, i, loud, quiet, out));
        assertEquals(0, allocated, "bytes allocated by 20 000 process calls");
    }

    private static void step(LimiterEffect e, int i, float[][] loud, float[][] quiet, float[][] out) {
        if (i % 100 == 0) {
            e.setParameter(LimiterEffect.CEILING_DB, (i / 100) % 2 == 0 ? -1 : -6);
            e.setParameter(LimiterEffect.RELEASE_MS, (i / 100) % 3 == 0 ? 80 : 15);
        }
        e.process((i / 50) % 2 == 0 ? loud : quiet, out, 1 + (i * 37) % 128);
    }

    @Test
    void noSubnormalOutputs() {
        LimiterEffect e = limiter(48_000, 2, -1);
        int n = 48_000;
        float[][] in = new float[2][n];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            double v;
            if (i < 2000) {
                v = (r.nextDouble() * 2 - 1) * 8; // limiting: gain well below 1
            } else if (i < 2100) {
                v = 3e-38 * (i % 2 == 0 ? 1 : -1); // tiny values while the gain is still low
            } else if (i < 20_000) {
                v = 8 * Math.exp(-(i - 2100) / 100.0) * Math.sin(i * 0.3); // decays far below 1e-38
            } else if (i < 30_000) {
                v = 0;
            } else {
                v = (i % 3 == 0 ? 1e-30 : i % 3 == 1 ? -1e-30 : 0);
            }
            in[0][i] = (float) v;
            in[1][i] = (float) (v * 0.5);
        }
        float[][] out = run(e, in, 128, e.latencyFrames());
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < out[c].length; i++) {
                float x = out[c][i];
                assertTrue(x == 0 || Math.abs(x) >= Float.MIN_NORMAL, "subnormal " + x + " at frame " + i);
            }
        }
        // and the tiny (normal) values themselves still come through, times a gain still releasing
        float tiny = Math.abs(out[0][30_000 + e.latencyFrames()]);
        assertTrue(tiny > 0.99e-30f && tiny <= 1e-30f, "tiny value " + tiny);
        // the released envelope snaps to exactly 0 instead of decaying through subnormal doubles
        assertTrue(e.logEnvelope() < 0, "still releasing after 1 s");
        run(e, new float[2][96_000], 480, 0);
        assertEquals(0.0, e.logEnvelope());
    }

    @Test
    void nonFiniteInputDoesNotPoisonTheState() {
        LimiterEffect e = limiter(48_000, 1, -1);
        e.setParameter(LimiterEffect.RELEASE_MS, 5);
        float[][] in = {new float[48_000]};
        in[0][100] = Float.NaN;
        in[0][200] = Float.POSITIVE_INFINITY;
        in[0][300] = Float.NEGATIVE_INFINITY;
        for (int i = 1000; i < in[0].length; i++) {
            in[0][i] = (float) (0.25 * Math.sin(i * 0.05));
        }
        float[][] out = run(e, in, 128, 0);
        int d = e.latencyFrames();
        for (int i = 24_000; i < 48_000; i++) {
            assertEquals(in[0][i - d], out[0][i], "frame " + i);
        }
    }

    /** A rough cost figure for the report (no assertion on time: machines differ). */
    @Test
    void costPerBlock() {
        LimiterEffect e = limiter(48_000, 2, -1);
        float[][] loud = signal(Input.NOISE_X8, 48_000, 128, 2);
        float[][] quiet = new float[2][128];
        float[][] out = new float[2][128];
        for (int i = 0; i < 30_000; i++) {
            e.process(i % 2 == 0 ? loud : quiet, out, 128);
        }
        int blocks = 30_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < blocks; i++) {
            e.process(loud, out, 128);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < blocks; i++) {
            e.process(quiet, out, 128);
        }
        long t2 = System.nanoTime();
        System.out.printf("limiter cost per 128-frame stereo block at 48 kHz: limiting %.2f us, transparent %.2f us%n",
                (t1 - t0) / 1e3 / blocks, (t2 - t1) / 1e3 / blocks);
        assertTrue(out[0][0] == out[0][0]);
    }
}
