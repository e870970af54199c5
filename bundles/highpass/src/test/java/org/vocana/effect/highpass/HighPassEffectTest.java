/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.highpass;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.AllocationMeter;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.ParameterDescriptor.Scale;

class HighPassEffectTest {

    private static final int BLOCK = 256;

    // ---------------------------------------------------------------- helpers

    private static HighPassEffect effect(double rate, int maxFrames, int channels, double cutoff, int order) {
        HighPassEffect e = new HighPassEffect();
        e.setParameter(HighPassEffect.CUTOFF_HZ, cutoff);
        e.setParameter(HighPassEffect.ORDER, order);
        e.activate(rate, maxFrames, channels);
        return e;
    }

    /** Analytic magnitude in dB of the bilinear-transformed Butterworth high-pass. */
    private static double analyticDb(double f, double fc, double fs, int order) {
        double ratio = Math.tan(Math.PI * fc / fs) / Math.tan(Math.PI * f / fs);
        return -10 * Math.log10(1 + Math.pow(ratio, 2 * order));
    }

    /** Runs a mono signal through the effect in blocks of {@code block} frames. */
    private static float[] run(HighPassEffect e, float[] x, int block) {
        float[] y = new float[x.length];
        float[][] in = new float[1][block];
        float[][] out = new float[1][block];
        for (int pos = 0; pos < x.length; pos += block) {
            int n = Math.min(block, x.length - pos);
            System.arraycopy(x, pos, in[0], 0, n);
            e.process(in, out, n);
            System.arraycopy(out[0], 0, y, pos, n);
        }
        return y;
    }

    private static float[] sine(double f, double fs, double amp, int frames) {
        float[] x = new float[frames];
        for (int i = 0; i < frames; i++) {
            x[i] = (float) (amp * Math.sin(2 * Math.PI * f * i / fs));
        }
        return x;
    }

    private static float[] testSignal(int frames, long seed) {
        Random r = new Random(seed);
        float[] x = new float[frames];
        for (int i = 0; i < frames; i++) {
            x[i] = (float) (0.1 * r.nextGaussian() + 0.4 * Math.sin(2 * Math.PI * 97 * i / 48_000.0)
                    + 0.2 * Math.sin(2 * Math.PI * 31 * i / 48_000.0) + 0.05);
        }
        return x;
    }

    /**
     * Steady-state gain in dB for a sine of frequency f: the transient (twice the reported tail,
     * i.e. far below -120 dB) is discarded, then the RMS ratio is taken over a whole number of
     * periods (at least 8 periods and 0.1 s).
     */
    private static double measureDb(double f, double fc, double fs, int order) {
        HighPassEffect e = effect(fs, BLOCK, 1, fc, order);
        int skip = 2 * e.tailFrames() + 1000;
        double period = fs / f;
        int periods = (int) Math.max(8, Math.ceil(0.1 * fs / period));
        int window = (int) Math.round(periods * period);
        int total = skip + window;
        float[][] in = new float[1][BLOCK];
        float[][] out = new float[1][BLOCK];
        double sx = 0;
        double sy = 0;
        for (int pos = 0; pos < total; pos += BLOCK) {
            int n = Math.min(BLOCK, total - pos);
            for (int i = 0; i < n; i++) {
                in[0][i] = (float) (0.5 * Math.sin(2 * Math.PI * f * (pos + i) / fs));
            }
            e.process(in, out, n);
            for (int i = 0; i < n; i++) {
                if (pos + i >= skip) {
                    sx += (double) in[0][i] * in[0][i];
                    sy += (double) out[0][i] * out[0][i];
                }
            }
        }
        return 10 * Math.log10(sy / sx);
    }

    /** Largest |y[i] - y[i-1]| for i in [from, y.length). */
    private static double maxStep(float[] y, int from) {
        double m = 0;
        for (int i = Math.max(1, from); i < y.length; i++) {
            m = Math.max(m, Math.abs((double) y[i] - y[i - 1]));
        }
        return m;
    }

    /** Largest |y[i] - 2 y[i-1] + y[i-2]| for i in [from, y.length): a kink shows up here. */
    private static double maxCurvature(float[] y, int from) {
        double m = 0;
        for (int i = Math.max(2, from); i < y.length; i++) {
            m = Math.max(m, Math.abs((double) y[i] - 2.0 * y[i - 1] + y[i - 2]));
        }
        return m;
    }

    private static double rms(float[] y, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) y[i] * y[i];
        }
        return Math.sqrt(s / (to - from));
    }

    // ---------------------------------------------------------------- descriptor

    @Test
    void descriptorDeclaresCutoffAndOrder() {
        HighPassEffect e = new HighPassEffect();
        assertEquals("highpass", e.descriptor().id());
        ParameterDescriptor cutoff = e.descriptor().parameters().get(HighPassEffect.CUTOFF_HZ);
        assertEquals(ParameterDescriptor.continuous("cutoffHz", "Cutoff", "Hz", 20, 1000, 80, Scale.LOG), cutoff);
        ParameterDescriptor order = e.descriptor().parameters().get(HighPassEffect.ORDER);
        assertEquals(ParameterDescriptor.stepped("order", "Order", "", 2, 4, 2, 2), order);
        assertEquals("2, 4", order.acceptedValues());
    }

    // ---------------------------------------------------------------- response

    @Test
    void magnitudeMatchesAnalyticButterworthWithinTwoTenthsOfADecibel() {
        double maxDeviation = 0;
        String worst = "";
        for (double fs : new double[] {44_100, 48_000}) {
            for (double fc : new double[] {80, 300}) {
                double[] freqs = {20, 45, 110, 190, fc, 520, 1200, 3300, 7500, 16_000};
                for (int order : new int[] {2, 4}) {
                    for (double f : freqs) {
                        double expected = analyticDb(f, fc, fs, order);
                        double measured = measureDb(f, fc, fs, order);
                        String what = "fs=" + fs + " fc=" + fc + " order=" + order + " f=" + f;
                        assertEquals(expected, measured, 0.2, what);
                        if (f == fc) {
                            assertEquals(-3.0103, measured, 0.05, "cutoff: " + what);
                        }
                        if (Math.abs(measured - expected) > maxDeviation) {
                            maxDeviation = Math.abs(measured - expected);
                            worst = what + " (expected " + expected + " dB)";
                        }
                    }
                }
            }
        }
        System.out.printf("highpass: max deviation from analytic response %.2e dB at %s%n", maxDeviation, worst);
    }

    @Test
    void lowSampleRatesAreAccurateAndTheCutoffIsKeptBelowNyquist() {
        // 8 kHz: 1000 Hz is not limited
        assertEquals(analyticDb(500, 1000, 8000, 4), measureDb(500, 1000, 8000, 4), 0.2);
        assertEquals(-3.0103, measureDb(1000, 1000, 8000, 2), 0.05);
        // 1 kHz: 1000 Hz would be above Nyquist; the cutoff is limited to 0.45 fs = 450 Hz
        double limited = HighPassEffect.MAX_CUTOFF_FRACTION * 1000;
        assertEquals(-3.0103, measureDb(limited, 1000, 1000, 2), 0.05);
        assertEquals(analyticDb(300, limited, 1000, 4), measureDb(300, 1000, 1000, 4), 0.2);
        HighPassEffect e = effect(1000, 64, 1, 1000, 4);
        assertTrue(e.tailFrames() > 0 && e.tailFrames() < 1000, "tail " + e.tailFrames());
    }

    /**
     * Each section has exactly the RBJ cookbook high-pass transfer function: compare with a
     * reference cascade of cookbook biquads in transposed direct form II (double precision).
     */
    @Test
    void sectionsEqualTheCookbookBiquads() {
        double[][] cases = {{192_000, 20}, {48_000, 80}, {44_100, 1000}, {8000, 1000}};
        for (double[] c : cases) {
            double fs = c[0];
            double fc = c[1];
            for (int order : new int[] {2, 4}) {
                double[] qs = order == 2
                        ? new double[] {1 / Math.sqrt(2)}
                        : new double[] {1 / (2 * Math.sin(3 * Math.PI / 8)), 1 / (2 * Math.sin(Math.PI / 8))};
                float[] x = testSignal(20_000, 7);
                x[0] = 1;
                float[] y = run(effect(fs, BLOCK, 1, fc, order), x, BLOCK);
                double[] ref = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    ref[i] = x[i];
                }
                for (double q : qs) {
                    cookbookHighPass(ref, fc, fs, q);
                }
                double err = 0;
                for (int i = 0; i < x.length; i++) {
                    err = Math.max(err, Math.abs(ref[i] - y[i]));
                }
                assertTrue(err < 1e-6, "fs=" + fs + " fc=" + fc + " order=" + order + ": max error " + err);
            }
        }
        assertEquals(0.5412, 1 / HighPassEffect.K4A, 1e-4);
        assertEquals(1.3066, 1 / HighPassEffect.K4B, 1e-4);
    }

    /** Reference: RBJ Audio EQ Cookbook HPF, transposed direct form II, in place. */
    private static void cookbookHighPass(double[] x, double fc, double fs, double q) {
        double w0 = 2 * Math.PI * fc / fs;
        double cos = Math.cos(w0);
        double alpha = Math.sin(w0) / (2 * q);
        double a0 = 1 + alpha;
        double b0 = (1 + cos) / 2 / a0;
        double b1 = -(1 + cos) / a0;
        double b2 = b0;
        double a1 = -2 * cos / a0;
        double a2 = (1 - alpha) / a0;
        double s1 = 0;
        double s2 = 0;
        for (int i = 0; i < x.length; i++) {
            double in = x[i];
            double out = b0 * in + s1;
            s1 = b1 * in - a1 * out + s2;
            s2 = b2 * in - a2 * out;
            x[i] = out;
        }
    }

    @Test
    void latencyIsTheMeasuredImpulseDelay() {
        for (double fs : new double[] {8000, 48_000, 192_000}) {
            for (double fc : new double[] {20, 80, 1000}) {
                for (int order : new int[] {2, 4}) {
                    HighPassEffect e = effect(fs, BLOCK, 1, fc, order);
                    float[] x = new float[4096];
                    x[0] = 1;
                    float[] h = run(e, x, BLOCK);
                    // the delay a cross-correlation measurement finds: the largest (positive) value
                    int peak = 0;
                    int absPeak = 0;
                    for (int i = 1; i < h.length; i++) {
                        if (h[i] > h[peak]) {
                            peak = i;
                        }
                        if (Math.abs(h[i]) > Math.abs(h[absPeak])) {
                            absPeak = i;
                        }
                    }
                    String what = "fs=" + fs + " fc=" + fc + " order=" + order;
                    assertEquals(e.latencyFrames(), peak, what);
                    if (fc / fs < 0.1) {
                        // only for cutoffs close to fs/8 is the negative lobe at n = 1 larger in magnitude
                        assertEquals(e.latencyFrames(), absPeak, what);
                    }
                }
            }
        }
    }

    @Test
    void dcDecaysBelowOneMillionthWithinTheReportedTail() {
        for (double fs : new double[] {8000, 48_000, 192_000}) {
            for (double fc : new double[] {20, 80, 1000}) {
                int previous = Integer.MAX_VALUE;
                for (int order : new int[] {2, 4}) {
                    HighPassEffect e = effect(fs, BLOCK, 1, fc, order);
                    int tail = e.tailFrames();
                    float[] dc = new float[tail + 8192];
                    java.util.Arrays.fill(dc, 1f);
                    float[] y = run(e, dc, BLOCK);
                    String what = "fs=" + fs + " fc=" + fc + " order=" + order + " tail=" + tail;
                    assertTrue(y[0] > 0.3f, what + ": the step passes at first");
                    int last = 0;
                    for (int i = 0; i < y.length; i++) {
                        if (Math.abs(y[i]) >= 1e-6) {
                            last = i;
                        }
                    }
                    assertTrue(last < tail, what + ": still " + y[last] + " at frame " + last);
                    // a bound, but not a wild one
                    assertTrue(tail < 2 * last, what + ": decays below 1e-6 at frame " + last);
                    if (order == 4) {
                        assertTrue(tail > previous, what + ": order 4 rings longer than order 2");
                    }
                    previous = tail;
                }
            }
        }
    }

    // ---------------------------------------------------------------- smoothing

    /**
     * A sine of amplitude A and angular frequency w (per frame) changes by at most w A per frame
     * and its slope by at most w&sup2; A per frame. The filtered output may not change faster than
     * 1.1 w A (no step) nor bend faster than 2 w&sup2; A (no kink: an unsmoothed coefficient jump
     * bends it by 10 to 30 w&sup2; A, while the first difference alone can miss it).
     */
    @Test
    void cutoffSweepDoesNotClick() {
        double fs = 48_000;
        double f = 200;
        double amp = 0.5;
        double w = 2 * Math.PI * f / fs;
        double bound = 1.1 * w * amp;
        double curvatureBound = 2 * w * w * amp;
        for (int order : new int[] {2, 4}) {
            // a jump of the target, smoothed internally: 20 -> 1000 -> 20 Hz
            HighPassEffect e = effect(fs, 64, 1, 20, order);
            int segment = (int) fs / 2;
            float[] x = sine(f, fs, amp, 3 * segment);
            float[] y = new float[x.length];
            float[][] in = new float[1][64];
            float[][] out = new float[1][64];
            for (int pos = 0; pos < x.length; pos += 64) {
                if (pos <= segment && segment < pos + 64) {
                    e.setParameter(HighPassEffect.CUTOFF_HZ, 1000);
                } else if (pos <= 2 * segment && 2 * segment < pos + 64) {
                    e.setParameter(HighPassEffect.CUTOFF_HZ, 20);
                }
                System.arraycopy(x, pos, in[0], 0, 64);
                e.process(in, out, 64);
                System.arraycopy(out[0], 0, y, pos, 64);
            }
            int settled = (int) (0.2 * fs);
            assertTrue(maxStep(y, settled) < bound, "order " + order + ": step " + maxStep(y, settled) + " >= " + bound);
            assertTrue(maxCurvature(y, settled) < curvatureBound,
                    "order " + order + ": kink " + maxCurvature(y, settled) + " >= " + curvatureBound);
            // moving the resonance of the time-varying filter down across the tone briefly swells
            // the output (by 1.28x for order 4), but it stays bounded
            double peak = 0;
            for (float v : y) {
                peak = Math.max(peak, Math.abs(v));
            }
            assertTrue(peak < 1.4 * amp, "order " + order + ": peak " + peak);
            // the sweep really happened: at 1000 Hz the 200 Hz tone is attenuated as designed
            double atTop = 20 * Math.log10(rms(y, 2 * segment - 4800, 2 * segment) / rms(x, 2 * segment - 4800, 2 * segment));
            assertEquals(analyticDb(f, 1000, fs, order), atTop, 0.2, "order " + order);

            // a host-driven sweep: a new target every 64-frame block, 20 -> 1000 Hz in 0.25 s
            e = effect(fs, 64, 1, 20, order);
            x = sine(f, fs, amp, (int) fs);
            y = new float[x.length];
            int sweepStart = (int) (0.3 * fs);
            int sweepFrames = (int) (0.25 * fs);
            for (int pos = 0; pos < x.length; pos += 64) {
                if (pos >= sweepStart && pos <= sweepStart + sweepFrames) {
                    double t = (double) (pos - sweepStart) / sweepFrames;
                    e.setParameter(HighPassEffect.CUTOFF_HZ, 20 * Math.pow(50, t));
                }
                System.arraycopy(x, pos, in[0], 0, 64);
                e.process(in, out, 64);
                System.arraycopy(out[0], 0, y, pos, 64);
            }
            assertTrue(maxStep(y, settled) < bound, "order " + order + " gradual: step " + maxStep(y, settled));
            assertTrue(maxCurvature(y, settled) < curvatureBound, "order " + order + " gradual: kink " + maxCurvature(y, settled));
        }
    }

    @Test
    void orderSwitchDoesNotClick() {
        double fs = 48_000;
        double f = 200;
        double amp = 0.5;
        double bound = 1.1 * 2 * Math.PI * f / fs * amp;
        for (double fc : new double[] {80, 200}) {
            HighPassEffect e = effect(fs, 128, 1, fc, 2);
            float[] x = sine(f, fs, amp, (int) fs);
            float[] y = new float[x.length];
            float[][] in = new float[1][128];
            float[][] out = new float[1][128];
            int up = (int) (0.3 * fs);
            int down = (int) (0.65 * fs);
            int upAt = 0;
            int downAt = 0;
            for (int pos = 0; pos < x.length; pos += 128) {
                if (pos <= up && up < pos + 128) {
                    e.setParameter(HighPassEffect.ORDER, 4);
                    upAt = pos;
                } else if (pos <= down && down < pos + 128) {
                    e.setParameter(HighPassEffect.ORDER, 2);
                    downAt = pos;
                }
                System.arraycopy(x, pos, in[0], 0, 128);
                e.process(in, out, 128);
                System.arraycopy(out[0], 0, y, pos, 128);
            }
            int settled = (int) (0.2 * fs);
            assertTrue(maxStep(y, settled) < bound, "fc " + fc + ": step " + maxStep(y, settled) + " >= " + bound);
            // both switches took effect
            double at4 = 20 * Math.log10(rms(y, down - 4800, down) / rms(x, down - 4800, down));
            assertEquals(analyticDb(f, fc, fs, 4), at4, 0.05, "order 4 reached, fc " + fc);
            double at2 = 20 * Math.log10(rms(y, x.length - 4800, x.length) / rms(x, x.length - 4800, x.length));
            assertEquals(analyticDb(f, fc, fs, 2), at2, 0.05, "back to order 2, fc " + fc);
            // once the transition is over (warm-up, crossfade, and at most three update periods of
            // alignment) the output is that of a filter that had the new order all along, to within
            // -50 dB: the new filter's start-up transient was not faded in
            float[] y2 = run(effect(fs, 128, 1, fc, 2), x, 128);
            float[] y4 = run(effect(fs, 128, 1, fc, 4), x, 128);
            double g = Math.tan(Math.PI * fc / fs);
            int fade = (int) Math.round(HighPassEffect.FADE_MS / 1000 * fs);
            double warmDecay = Math.pow(10, HighPassEffect.WARMUP_DECAY_DB / 20);
            int upDone = upAt + (int) Math.ceil(HighPassEffect.decayFrames(g, HighPassEffect.K4B, warmDecay))
                    + fade + 3 * HighPassEffect.UPDATE_FRAMES;
            int downDone = downAt + (int) Math.ceil(HighPassEffect.decayFrames(g, HighPassEffect.K2, warmDecay))
                    + fade + 3 * HighPassEffect.UPDATE_FRAMES;
            for (int i = upDone; i < downAt; i++) {
                assertEquals(y4[i], y[i], 3e-3 * amp, "order 4 settled at frame " + i + ", fc " + fc);
            }
            for (int i = downDone; i < y.length; i++) {
                assertEquals(y2[i], y[i], 3e-3 * amp, "order 2 settled at frame " + i + ", fc " + fc);
            }
            // at fc = 200 the two orders differ by 90 degrees: a switch without a crossfade would jump
            if (fc == 200) {
                double jump = 0;
                for (int i = up; i < up + 240; i++) {
                    jump = Math.max(jump, Math.abs(y4[i] - y2[i]));
                }
                assertTrue(jump > 10 * bound, "the test can see a hard switch: " + jump);
            }
        }
    }

    @Test
    void rapidOrderTogglingAndCutoffJumpsStayBoundedAndSmooth() {
        double fs = 48_000;
        HighPassEffect e = effect(fs, 32, 2, 80, 2);
        Random r = new Random(3);
        float[][] in = new float[2][32];
        float[][] out = new float[2][32];
        double peak = 0;
        for (int block = 0; block < 3000; block++) {
            if (block % 7 == 0) {
                e.setParameter(HighPassEffect.CUTOFF_HZ, 20 * Math.pow(50, r.nextDouble()));
            }
            if (block % 11 == 0) {
                e.setParameter(HighPassEffect.ORDER, r.nextBoolean() ? 4 : 2);
            }
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 32; i++) {
                    in[c][i] = (float) (r.nextDouble() * 2 - 1);
                }
            }
            e.process(in, out, 32);
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 32; i++) {
                    assertTrue(Float.isFinite(out[c][i]));
                    peak = Math.max(peak, Math.abs(out[c][i]));
                }
            }
        }
        assertTrue(peak < 3, "peak " + peak);
    }

    // ---------------------------------------------------------------- real time

    @Test
    void renderDoesNotAllocate() {
        HighPassEffect e = effect(48_000, 128, 2, 80, 2);
        float[][] buf = {sine(150, 48_000, 0.5, 128), sine(90, 48_000, 0.5, 128)};
        double[] cutoffs = {20, 55.5, 80, 300, 999, 1000, 432.1};
        double[] orders = {2, 4};
        long allocated = AllocationMeter.steadyStateBytes(10_000, i -> {
            if (i % 97 == 0) {
                e.setParameter(HighPassEffect.CUTOFF_HZ, cutoffs[(i / 97) % cutoffs.length]);
            }
            if (i % 500 == 0) {
                e.setParameter(HighPassEffect.ORDER, orders[(i / 500) % 2]);
            }
            if (i % 2500 == 0) {
                e.reset();
            }
            e.process(buf, buf, 1 + i % 128);
        });
        assertEquals(0, allocated, "bytes allocated by 20k process calls with parameter changes");
    }

    @Test
    void statesAndOutputsNeverBecomeSubnormal() {
        // fast decays, so that without flushing the states would reach the subnormal range
        double[][] cases = {{8000, 1000, 2}, {8000, 1000, 4}, {48_000, 300, 4}, {48_000, 80, 2}};
        for (double[] c : cases) {
            double fs = c[0];
            int order = (int) c[2];
            HighPassEffect e = effect(fs, BLOCK, 2, c[1], order);
            int silence = (int) (3 * fs);
            double g = Math.tan(Math.PI * c[1] / fs);
            double slowK = order == 4 ? HighPassEffect.K4B : HighPassEffect.K2;
            assertTrue(HighPassEffect.decayFrames(g, slowK, Double.MIN_NORMAL) < silence,
                    "the silence is long enough for an unflushed state to become subnormal");
            float[][] buf = new float[2][BLOCK];
            buf[0][0] = 1;
            buf[1][0] = -0.25f;
            int frames = 0;
            while (frames < silence) {
                if (frames == silence / 3) {
                    // exercise the crossfade path as well
                    e.setParameter(HighPassEffect.ORDER, order == 2 ? 4 : 2);
                }
                e.process(buf, buf, BLOCK);
                for (int ch = 0; ch < 2; ch++) {
                    for (int i = 0; i < BLOCK; i++) {
                        float v = buf[ch][i];
                        assertFalse(v != 0 && Math.abs(v) < Float.MIN_NORMAL, "subnormal output " + v);
                    }
                    java.util.Arrays.fill(buf[ch], 0f);
                }
                assertFalse(e.hasSubnormalState(), "subnormal state after " + frames + " frames");
                frames += BLOCK;
            }
            assertEquals(Double.POSITIVE_INFINITY, e.smallestStateMagnitude(), "silence in, all states exactly zero");
            e.process(buf, buf, BLOCK);
            for (int i = 0; i < BLOCK; i++) {
                assertEquals(0f, buf[0][i]);
            }
        }
    }

    @Test
    void subnormalInputGivesNoSubnormalOutput() {
        for (int order : new int[] {2, 4}) {
            HighPassEffect e = effect(48_000, BLOCK, 1, 80, order);
            Random r = new Random(order);
            float[][] buf = new float[1][BLOCK];
            for (int block = 0; block < 200; block++) {
                if (block == 100) {
                    e.setParameter(HighPassEffect.ORDER, 6 - order);
                }
                for (int i = 0; i < BLOCK; i++) {
                    buf[0][i] = Float.MIN_NORMAL * (float) (r.nextDouble() * 2 - 1);
                }
                e.process(buf, buf, BLOCK);
                for (int i = 0; i < BLOCK; i++) {
                    float v = buf[0][i];
                    assertFalse(v != 0 && Math.abs(v) < Float.MIN_NORMAL, "subnormal output " + v);
                }
                assertFalse(e.hasSubnormalState());
            }
        }
    }

    // ---------------------------------------------------------------- block handling

    /** Processes {@code x} (channels x frames) with the given block sizes, starting from a parameter change. */
    private static float[][] processWith(float[][] x, int[] blocks, boolean inPlace) {
        int frames = x[0].length;
        int channels = x.length;
        HighPassEffect e = effect(48_000, frames, channels, 80, 2);
        // changed targets before the first block: the run includes a cutoff ramp and an order crossfade
        e.setParameter(HighPassEffect.CUTOFF_HZ, 400);
        e.setParameter(HighPassEffect.ORDER, 4);
        float[][] y = new float[channels][frames];
        float[][] in = new float[channels][frames];
        float[][] out = new float[channels][frames];
        int pos = 0;
        int k = 0;
        while (pos < frames) {
            int n = Math.min(blocks[k++ % blocks.length], frames - pos);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(x[c], pos, in[c], 0, n);
            }
            e.process(in, inPlace ? in : out, n);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(inPlace ? in[c] : out[c], 0, y[c], pos, n);
            }
            pos += n;
        }
        return y;
    }

    private static float[][] multichannelSignal(int channels, int frames) {
        float[][] x = new float[channels][];
        for (int c = 0; c < channels; c++) {
            x[c] = testSignal(frames, 100 + c);
        }
        return x;
    }

    private static int[] randomBlocks(long seed, int max) {
        Random r = new Random(seed);
        int[] b = new int[1000];
        for (int i = 0; i < b.length; i++) {
            b[i] = 1 + r.nextInt(max);
        }
        return b;
    }

    @Test
    void outputDoesNotDependOnBlockSize() {
        float[][] x = multichannelSignal(3, 24_000);
        float[][] whole = processWith(x, new int[] {x[0].length}, false);
        int[][] blockings = {{1}, {7}, {128}, randomBlocks(1, 300), randomBlocks(2, 4000)};
        for (int[] blocks : blockings) {
            float[][] y = processWith(x, blocks, false);
            for (int c = 0; c < x.length; c++) {
                assertArrayEquals(whole[c], y[c], "blocks starting " + blocks[0] + ", channel " + c);
            }
        }
    }

    @Test
    void inPlaceEqualsOutOfPlace() {
        float[][] x = multichannelSignal(2, 24_000);
        for (int[] blocks : new int[][] {{128}, randomBlocks(5, 500)}) {
            float[][] separate = processWith(x, blocks, false);
            float[][] inPlace = processWith(x, blocks, true);
            for (int c = 0; c < x.length; c++) {
                assertArrayEquals(separate[c], inPlace[c]);
            }
        }
    }

    @Test
    void sixtyFourChannelsHaveIndependentState() {
        float[][] x = multichannelSignal(64, 4800);
        float[][] y = processWith(x, new int[] {100}, false);
        for (int c = 0; c < 64; c += 9) {
            float[][] mono = processWith(new float[][] {x[c]}, new int[] {100}, false);
            assertArrayEquals(mono[0], y[c], "channel " + c);
        }
        float[][] last = processWith(new float[][] {x[63]}, new int[] {100}, false);
        assertArrayEquals(last[0], y[63]);
    }

    @Test
    void resetClearsStateAndJumpsToTargets() {
        HighPassEffect e = effect(48_000, 512, 1, 80, 2);
        float[] x = testSignal(512, 9);
        run(e, x, 512);
        e.setParameter(HighPassEffect.CUTOFF_HZ, 300);
        e.setParameter(HighPassEffect.ORDER, 4);
        e.reset();
        float[] afterReset = run(e, x, 512);
        float[] fresh = run(effect(48_000, 512, 1, 300, 4), x, 512);
        assertArrayEquals(fresh, afterReset);
    }
}
