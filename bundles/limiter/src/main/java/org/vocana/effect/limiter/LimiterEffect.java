/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.limiter;

import java.util.Arrays;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.ParameterDescriptor.Scale;
import org.vocana.sdk.dsp.LinearRamp;

/**
 * Lookahead true-peak limiter. All channels share one gain (the stereo image is kept).
 *
 * <h2>Signal flow</h2>
 * <ol>
 *   <li><b>Detector.</b> Every channel is interpolated 4x by a polyphase FIR (Kaiser(5)-windowed
 *       sinc, {@value #TAPS} taps per branch, support &plusmn;{@value #HALF_SPAN} input frames, flat
 *       within 0.1 dB to 0.45 fs; phase 0 is the sample itself). A second, short interpolator
 *       (Blackman-windowed sinc, 12 taps per branch: the length of a BS.1770-4 meter) runs
 *       alongside: each fractional point takes the larger magnitude of the two, and half of their
 *       largest disagreement within the frame is added to the frame's estimate. The two agree to
 *       within 0.001 dB below 0.25 fs, so this costs nothing on speech; for content near fs/2,
 *       where every finite interpolator (and every meter) is uncertain, it makes the detector
 *       read high rather than low. At every 4x point that is a local maximum the peak between
 *       grid points is estimated by the vertex of the parabola through it and its neighbours
 *       (never below the grid value; it cuts the 4x grid's error of up to 0.69 dB for a tone at
 *       fs/2 to below 0.08 dB). The estimate for input frame n covers the continuous time
 *       [n - 1/8, n + 7/8) and depends on input frames n-S..n+S (S = {@value #HALF_SPAN}). The
 *       largest estimate over the channels is P[n].</li>
 *   <li><b>Gain computer.</b> The required gain is r[n] = min(1, c / P[n]) with c the ceiling lowered
 *       by {@value #MARGIN_DB} dB. A sliding minimum over a window of W frames (at least the
 *       latency plus one, and at least {@value #HOLD_MS} ms) holds it; a one-pole release in the
 *       log domain lets it recover; two cascaded moving averages of lengths L1 and L2
 *       (L1 + L2 - 1 = L = latency - 2S + 1) turn every drop into an S-shaped ramp of L frames.</li>
 *   <li><b>Delay.</b> The input is delayed by the latency D; out[t] = g[t] * in[t - D].</li>
 * </ol>
 *
 * <h2>Why the bound holds</h2>
 * A moving average of values that are all at most r is at most r, and the sliding minimum puts
 * r[n] in every value the two averages see for output frames whose input lies in n-S..n+S
 * (this is what fixes L = D - 2S + 1 and W &ge; D + 1). So every input frame inside the support of
 * the interpolation kernel around a detected peak is played with a gain of at most r[n]: the gain
 * has finished its ramp before the first frame that influences the peak and holds until the last
 * one. Where the gain is flat over that support (isolated peaks, stationary signals) the
 * interpolated output is exactly g times the interpolated input, so its true peak is at most
 * c = ceiling - {@value #MARGIN_DB} dB. The margin absorbs what the detector cannot know exactly:
 * the difference between its kernels and a meter's, the residual error of the parabolic
 * refinement, float rounding, and the contribution of the kernel's outer taps where the gain
 * is still moving (towards a later, louder peak, or in release). In randomised tests (tones,
 * impulse trains, gated and modulated broadband noise up to +24 dB; 16 to 96 kHz; the whole
 * parameter ranges) a 16x meter with 64 taps per branch stayed at least 0.01 dB under the
 * ceiling; meters with other short kernels (12 to 24 taps per branch, offset grids) read up to
 * 0.11 dB over on full-band noise, which is their own disagreement with the band-limited peak:
 * no finite detector can bound every possible meter. Content above 0.45 fs is under-read by any
 * finite interpolator (a half-sample branch has a zero at fs/2); stationary tones there are
 * still caught because their samples reach the crest every few frames and the hold of at least
 * {@value #HOLD_MS} ms bridges the gap.
 *
 * <h2>Parameters</h2>
 * <ul>
 *   <li>{@code ceilingDb}: the output true-peak ceiling, -24..0 dBTP, default -1. Changes are
 *       ramped linearly in dB over {@value #CEILING_RAMP_MS} ms (no click). While it moves down, the
 *       frames already in the delay line were limited against the ceiling of up to one latency
 *       earlier.</li>
 *   <li>{@code releaseMs}: time constant of the gain recovery (one pole in the dB domain) after the
 *       hold, 1..1000 ms, default {@value #DEFAULT_RELEASE_MS} ms: slow enough not to modulate the
 *       pitch periods of speech (down to about 12 ms) or pump on pauses, fast enough to recover
 *       between words.</li>
 *   <li>{@code lookaheadMs}: 1..10 ms, default {@value #DEFAULT_LOOKAHEAD_MS} ms. It is read when the
 *       effect is activated or reset; changes in between take effect at the next
 *       {@link #reset()}/activation, so {@link #latencyFrames()} always reports the delay actually
 *       applied: {@code max(round(lookaheadMs * rate / 1000), }{@value #MIN_LATENCY}{@code )} frames
 *       (the minimum only matters below 32 kHz).</li>
 * </ul>
 *
 * <p>When the input's true peak (as detected) stays below the ceiling minus the margin the gain
 * is exactly 1.0 and the output is the input delayed by {@link #latencyFrames()}, bit for bit.
 * Outputs that would be subnormal are flushed to zero.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=" + LimiterEffect.ID)
public final class LimiterEffect extends AbstractEffect {

    public static final String ID = "limiter";
    public static final int CEILING_DB = 0;
    public static final int RELEASE_MS = 1;
    public static final int LOOKAHEAD_MS = 2;

    static final double DEFAULT_CEILING_DB = -1;
    static final double DEFAULT_RELEASE_MS = 80;
    static final double DEFAULT_LOOKAHEAD_MS = 2;
    static final double MAX_LOOKAHEAD_MS = 10;

    /** Oversampling factor of the detector. */
    static final int OVERSAMPLING = 4;
    /** S: the interpolation kernel spans input frames n-S+1..n+S for a point in [n, n+1). */
    static final int HALF_SPAN = 16;
    /** Taps per polyphase branch. */
    static final int TAPS = 2 * HALF_SPAN;
    /** Half-span of the short (BS.1770-4-like, 12 taps per branch) cross-check interpolator. */
    static final int SHORT_HALF_SPAN = 6;
    /** Weight of the disagreement between the long and the short interpolator added to the estimate. */
    static final double DISAGREEMENT_WEIGHT = 0.5;
    private static final int SHORT_TAPS = 2 * SHORT_HALF_SPAN;
    /** Kaiser window shape of the interpolation kernel. */
    static final double KAISER_BETA = 5.0;
    /** Safety margin below the ceiling, dB. */
    static final double MARGIN_DB = 0.15;
    /** Shortest hold of the gain after a peak, ms. */
    static final double HOLD_MS = 5;
    /** Ramp time of ceiling changes, ms. */
    static final double CEILING_RAMP_MS = 20;
    /** Smallest latency: the detector's support (2S frames) with a one-frame attack (L = 1). */
    static final int MIN_LATENCY = 2 * HALF_SPAN;
    /** Natural log of the smallest gain (-240 dB); keeps the envelope finite for absurd inputs. */
    static final double LOG_GAIN_FLOOR = -27.631021115928547;
    /** A released log-gain above -this snaps to exactly 0 (gain 1.0); no subnormal decay. */
    static final double RELEASE_SNAP = 1e-9;

    private static final double LN10_OVER_20 = Math.log(10) / 20;

    /** Branches 1..3 (phase 0 is the sample itself); index [phase - 1][tap], tap 0 = oldest frame. */
    private static final double[][] BRANCHES = designBranches();
    /** Branches 1..3 of the short cross-check interpolator, taps on frames n-5..n+6. */
    private static final double[][] SHORT_BRANCHES = designShortBranches();

    private static final EffectDescriptor DESCRIPTOR = new EffectDescriptor(ID, "True-peak limiter", "Vocana", "1.0.0", List.of(
            ParameterDescriptor.continuous("ceilingDb", "Ceiling", "dBTP", -24, 0, DEFAULT_CEILING_DB, Scale.LINEAR),
            ParameterDescriptor.continuous("releaseMs", "Release", "ms", 1, 1000, DEFAULT_RELEASE_MS, Scale.LOG),
            ParameterDescriptor.continuous("lookaheadMs", "Lookahead (applied on reset)", "ms", 1, MAX_LOOKAHEAD_MS,
                    DEFAULT_LOOKAHEAD_MS, Scale.LOG)));

    // ---- buffers, sized in onActivate ----
    private float[][] delay;
    private int delayMask;
    private int delayWrite;
    /** Per channel: the last TAPS input frames, written twice so that a window is contiguous. */
    private double[][] history;
    private int historyPos;
    /** Per channel: |value| of the last 4x point of the previous frame (for the parabola). */
    private double[] lastPoint;
    private double[] blockPeak;
    private double[] blockGain;
    private double[] dequeValue;
    private long[] dequeFrame;
    private int dequeHead;
    private int dequeSize;
    private double[] box1;
    private double[] box2;

    // ---- configuration latched in onReset ----
    private volatile int latency;
    private int attackFrames;
    private int len1;
    private int len2;
    private int holdFrames;

    // ---- signal state ----
    private long frame;
    private double logEnvelope;
    private int pos1;
    private int pos2;
    private double sum1;
    private double sum2;
    private int below1;
    private int below2;

    // ---- parameter smoothing ----
    private final LinearRamp ceilingRamp = new LinearRamp();
    private double limitLinear;
    private double limitLog;
    private double lastReleaseMs = Double.NaN;
    private double releaseCoef;

    public LimiterEffect() {
        super(DESCRIPTOR);
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        int maxLatency = latencyFor(MAX_LOOKAHEAD_MS, sampleRate);
        int ring = Integer.highestOneBit(maxLatency + maxFrames) << 1;
        delay = new float[channels][ring];
        delayMask = ring - 1;
        history = new double[channels][2 * TAPS];
        lastPoint = new double[channels];
        blockPeak = new double[maxFrames];
        blockGain = new double[maxFrames];
        int maxWindow = Math.max(maxLatency + 1, (int) Math.round(HOLD_MS * sampleRate / 1000));
        dequeValue = new double[maxWindow + 1];
        dequeFrame = new long[maxWindow + 1];
        int maxAttack = maxLatency - MIN_LATENCY + 1;
        box1 = new double[maxAttack];
        box2 = new double[maxAttack];
        ceilingRamp.setRampTime(CEILING_RAMP_MS / 1000, sampleRate);
    }

    @Override
    protected void onDeactivate() {
        delay = null;
        history = null;
        lastPoint = null;
        blockPeak = null;
        blockGain = null;
        dequeValue = null;
        dequeFrame = null;
        box1 = null;
        box2 = null;
    }

    @Override
    protected void onReset() {
        double rate = sampleRate();
        int d = latencyFor(parameter(LOOKAHEAD_MS), rate);
        attackFrames = d - MIN_LATENCY + 1;
        len1 = (attackFrames + 1) / 2;
        len2 = attackFrames + 1 - len1;
        holdFrames = Math.max(d + 1, (int) Math.round(HOLD_MS * rate / 1000));
        latency = d;

        for (float[] ch : delay) {
            Arrays.fill(ch, 0f);
        }
        for (double[] h : history) {
            Arrays.fill(h, 0);
        }
        Arrays.fill(lastPoint, 0);
        delayWrite = 0;
        historyPos = 0;
        dequeHead = 0;
        dequeSize = 0;
        frame = 0;
        logEnvelope = 0;
        Arrays.fill(box1, 0, len1, 1.0);
        Arrays.fill(box2, 0, len2, 1.0);
        pos1 = 0;
        pos2 = 0;
        sum1 = len1;
        sum2 = len2;
        below1 = 0;
        below2 = 0;

        ceilingRamp.jumpTo(parameter(CEILING_DB));
        setLimit(ceilingRamp.current());
        lastReleaseMs = Double.NaN;
        updateRelease();
    }

    @Override
    public int latencyFrames() {
        return latency;
    }

    @Override
    public int tailFrames() {
        return latency;
    }

    /** Length in frames of the gain ramp before a peak (L), for the current activation. */
    int attackFrames() {
        return attackFrames;
    }

    /** Largest change of the applied gain from one frame to the next, per unit of gain-reduction depth. */
    double maxGainStepPerDepth() {
        return 1.0 / Math.max(len1, len2);
    }

    /** Natural log of the released gain envelope (0 when not limiting); for tests. */
    double logEnvelope() {
        return logEnvelope;
    }

    /** The latency in frames for a lookahead in ms at a rate. */
    static int latencyFor(double lookaheadMs, double sampleRate) {
        return Math.max(MIN_LATENCY, (int) Math.round(lookaheadMs * sampleRate / 1000));
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        int channels = channels();
        detect(in, frames, channels);
        computeGain(frames);
        apply(out, frames, channels);
        delayWrite = (delayWrite + frames) & delayMask;
    }

    /** Stores the block in the delay line and writes the per-frame peak estimate P into blockPeak. */
    private void detect(float[][] in, int frames, int channels) {
        final double[] c1 = BRANCHES[0];
        final double[] c2 = BRANCHES[1];
        final double[] c3 = BRANCHES[2];
        final double[] d1 = SHORT_BRANCHES[0];
        final double[] d2 = SHORT_BRANCHES[1];
        final double[] d3 = SHORT_BRANCHES[2];
        final double[] peak = blockPeak;
        final int mask = delayMask;
        int endPos = historyPos;
        for (int c = 0; c < channels; c++) {
            final float[] x = in[c];
            final float[] dl = delay[c];
            final double[] h = history[c];
            int pos = historyPos;
            int w = delayWrite;
            double prev = lastPoint[c];
            for (int i = 0; i < frames; i++) {
                float v = x[i];
                dl[(w + i) & mask] = v;
                h[pos] = v;
                h[pos + TAPS] = v;
                pos = pos + 1 == TAPS ? 0 : pos + 1;
                // window h[pos .. pos + TAPS - 1], oldest first; frame n = newest - S sits at S - 1
                double a1 = 0;
                double a2 = 0;
                double a3 = 0;
                for (int k = 0; k < TAPS; k++) {
                    double s = h[pos + k];
                    a1 += c1[k] * s;
                    a2 += c2[k] * s;
                    a3 += c3[k] * s;
                }
                double b1 = 0;
                double b2 = 0;
                double b3 = 0;
                final int off = pos + HALF_SPAN - SHORT_HALF_SPAN;
                for (int k = 0; k < SHORT_TAPS; k++) {
                    double s = h[off + k];
                    b1 += d1[k] * s;
                    b2 += d2[k] * s;
                    b3 += d3[k] * s;
                }
                double spread = DISAGREEMENT_WEIGHT
                        * Math.max(Math.abs(a1 - b1), Math.max(Math.abs(a2 - b2), Math.abs(a3 - b3)));
                double p0 = Math.abs(h[pos + HALF_SPAN - 1]);
                double p1 = Math.max(Math.abs(a1), Math.abs(b1));
                double p2 = Math.max(Math.abs(a2), Math.abs(b2));
                double p3 = Math.max(Math.abs(a3), Math.abs(b3));
                double p4 = Math.abs(h[pos + HALF_SPAN]);
                double m = Math.max(Math.max(refine(prev, p0, p1), refine(p0, p1, p2)),
                        Math.max(refine(p1, p2, p3), refine(p2, p3, p4))) + spread;
                prev = p3;
                if (c == 0 || m > peak[i]) {
                    peak[i] = m;
                }
            }
            lastPoint[c] = prev;
            endPos = pos;
        }
        historyPos = endPos;
    }

    /**
     * Peak of the parabola through three neighbouring 4x points when the middle one is a local
     * maximum, else the middle value. Never below {@code b}; at most {@code b + |c - a| / 8}.
     */
    private static double refine(double a, double b, double c) {
        if (b >= a && b >= c) {
            double d = c - a;
            double curvature = 2 * b - a - c;
            if (curvature > 0) {
                return b + d * d / (8 * curvature);
            }
        }
        return b;
    }

    /** Turns blockPeak into the gain per frame in blockGain. */
    private void computeGain(int frames) {
        ceilingRamp.setTarget(parameter(CEILING_DB));
        updateRelease();
        final double[] peak = blockPeak;
        final double[] gain = blockGain;
        final double[] dv = dequeValue;
        final long[] df = dequeFrame;
        final int cap = dv.length;
        final double[] b1 = box1;
        final double[] b2 = box2;
        final int l1 = len1;
        final int l2 = len2;
        final double inv1 = 1.0 / l1;
        final double inv2 = 1.0 / l2;
        final long window = holdFrames;
        final double coef = releaseCoef;
        int head = dequeHead;
        int size = dequeSize;
        long t = frame;
        double env = logEnvelope;
        int q1 = pos1;
        int q2 = pos2;
        double s1 = sum1;
        double s2 = sum2;
        int n1 = below1;
        int n2 = below2;
        for (int i = 0; i < frames; i++, t++) {
            if (ceilingRamp.isRamping()) {
                setLimit(ceilingRamp.next());
            }
            // required log gain; NaN peaks compare false and are ignored
            double p = peak[i];
            double lr = 0;
            if (p > limitLinear) {
                lr = limitLog - Math.log(p);
                if (!(lr >= LOG_GAIN_FLOOR)) {
                    lr = LOG_GAIN_FLOOR;
                }
            }
            // sliding minimum over the last `window` frames (monotonic deque)
            while (size > 0) {
                int back = head + size - 1;
                if (back >= cap) {
                    back -= cap;
                }
                if (dv[back] < lr) {
                    break;
                }
                size--;
            }
            int slot = head + size;
            if (slot >= cap) {
                slot -= cap;
            }
            dv[slot] = lr;
            df[slot] = t;
            size++;
            while (df[head] <= t - window) {
                head = head + 1 == cap ? 0 : head + 1;
                size--;
            }
            double held = dv[head];
            // release in the log domain, then the hold caps it
            double e = env * coef;
            if (e > -RELEASE_SNAP) {
                e = 0;
            }
            if (held < e) {
                e = held;
            }
            env = e;
            double lin = e == 0 ? 1.0 : Math.exp(e);
            // first moving average
            double old = b1[q1];
            b1[q1] = lin;
            q1 = q1 + 1 == l1 ? 0 : q1 + 1;
            n1 += (lin < 1.0 ? 1 : 0) - (old < 1.0 ? 1 : 0);
            double m1;
            if (n1 == 0) {
                s1 = l1;
                m1 = 1.0;
            } else {
                s1 += lin - old;
                m1 = s1 * inv1;
            }
            // second moving average
            old = b2[q2];
            b2[q2] = m1;
            q2 = q2 + 1 == l2 ? 0 : q2 + 1;
            n2 += (m1 < 1.0 ? 1 : 0) - (old < 1.0 ? 1 : 0);
            double g;
            if (n2 == 0) {
                s2 = l2;
                g = 1.0;
            } else {
                s2 += m1 - old;
                g = s2 * inv2;
            }
            gain[i] = g;
        }
        dequeHead = head;
        dequeSize = size;
        frame = t;
        logEnvelope = env;
        pos1 = q1;
        pos2 = q2;
        sum1 = s1;
        sum2 = s2;
        below1 = n1;
        below2 = n2;
    }

    /** Writes the delayed input times the gain. */
    private void apply(float[][] out, int frames, int channels) {
        final double[] gain = blockGain;
        final int mask = delayMask;
        final int read = delayWrite - latency;
        for (int c = 0; c < channels; c++) {
            final float[] dl = delay[c];
            final float[] y = out[c];
            for (int i = 0; i < frames; i++) {
                float v = dl[(read + i) & mask];
                double g = gain[i];
                if (g != 1.0) {
                    v = (float) (g * v);
                }
                if (Math.abs(v) < Float.MIN_NORMAL) {
                    v *= 0f; // flush subnormals, keep the sign of zero
                }
                y[i] = v;
            }
        }
    }

    private void setLimit(double ceilingDb) {
        limitLog = (ceilingDb - MARGIN_DB) * LN10_OVER_20;
        limitLinear = Math.exp(limitLog);
    }

    private void updateRelease() {
        double ms = parameter(RELEASE_MS);
        if (ms != lastReleaseMs) {
            lastReleaseMs = ms;
            releaseCoef = Math.exp(-1000.0 / (ms * sampleRate()));
        }
    }

    /** Kaiser-windowed sinc branches for the 4x points at n + 1/4, n + 1/2, n + 3/4, unity DC gain. */
    static double[][] designBranches() {
        double i0Beta = besselI0(KAISER_BETA);
        double[][] b = new double[OVERSAMPLING - 1][TAPS];
        for (int phase = 1; phase < OVERSAMPLING; phase++) {
            double sum = 0;
            for (int k = 0; k < TAPS; k++) {
                // distance from tap k (frame n - S + 1 + k) to the point n + phase / 4
                double dist = (double) phase / OVERSAMPLING + HALF_SPAN - 1 - k;
                double u = dist / HALF_SPAN;
                double window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - u * u))) / i0Beta;
                b[phase - 1][k] = sinc(dist) * window;
                sum += b[phase - 1][k];
            }
            for (int k = 0; k < TAPS; k++) {
                b[phase - 1][k] /= sum;
            }
        }
        return b;
    }

    /** Blackman-windowed sinc branches of the short interpolator (12 taps, like a BS.1770-4 meter). */
    static double[][] designShortBranches() {
        int taps = 2 * SHORT_HALF_SPAN;
        double[][] b = new double[OVERSAMPLING - 1][taps];
        for (int phase = 1; phase < OVERSAMPLING; phase++) {
            for (int k = 0; k < taps; k++) {
                double dist = (double) phase / OVERSAMPLING + SHORT_HALF_SPAN - 1 - k;
                double u = dist / SHORT_HALF_SPAN;
                double window = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
                b[phase - 1][k] = sinc(dist) * window;
            }
        }
        return b;
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    /** Modified Bessel function of the first kind, order 0 (power series). */
    static double besselI0(double x) {
        double term = 1;
        double sum = 1;
        double q = x * x / 4;
        for (int k = 1; k < 64; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }
}
