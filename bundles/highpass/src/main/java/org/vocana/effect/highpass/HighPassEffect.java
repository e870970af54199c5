/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.highpass;

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
 * Butterworth high-pass filter of order 2 or 4, for removing rumble, handling noise and DC.
 *
 * <h2>Response</h2>
 * Every second-order section has exactly the transfer function of the RBJ Audio EQ Cookbook
 * high-pass: the analog prototype s&sup2; / (s&sup2; + s/Q + 1) mapped by the bilinear transform
 * prewarped at the cutoff, so the overall response is
 * |H(f)|&sup2; = 1 / (1 + (tan(&pi; f<sub>c</sub>/f<sub>s</sub>) / tan(&pi; f/f<sub>s</sub>))<sup>2n</sup>),
 * -3.01 dB at the cutoff for both orders. Order 2 is one section with Q = 1/&radic;2; order 4 is
 * two cascaded sections with the Butterworth Q values 1/(2 sin(3&pi;/8)) &asymp; 0.5412 (first)
 * and 1/(2 sin(&pi;/8)) &asymp; 1.3066 (second).
 *
 * <h2>Structure</h2>
 * Each section is realised as a trapezoidal-integration (topology-preserving, "zero-delay
 * feedback") state-variable filter in double precision rather than as a direct form. It computes
 * the same transfer function as the cookbook biquad (the tests check this against a transposed
 * direct form II with cookbook coefficients), but it is the better structure here:
 * <ul>
 *   <li><b>Coefficient sensitivity.</b> A direct form encodes the poles in a1 = -2cos(w0)/(1+&alpha;)
 *       and a2 = (1-&alpha;)/(1+&alpha;). At 20 Hz and 192 kHz (w0 = 6.5&middot;10<sup>-4</sup>) they
 *       are within about 10<sup>-3</sup> of -2 and 1, and the cutoff is carried only by
 *       1 + a1 + a2 &asymp; w0&sup2; &asymp; 4&middot;10<sup>-7</sup>, a difference of order-one
 *       numbers: relative coefficient errors are magnified about 2/w0&sup2; &asymp; 5&middot;10<sup>6</sup>
 *       times (harmless in double, fatal in float, and worse at 768 kHz). The state-variable filter's
 *       coefficients are g = tan(&pi; f<sub>c</sub>/f<sub>s</sub>) and k = 1/Q, both carried with
 *       full relative precision however small g gets, and the states are updated by increments
 *       (z += 2 g &middot; ...), so nothing is computed as 1 minus a tiny number.</li>
 *   <li><b>Round-off noise.</b> Its two states are integrator outputs (band-pass and low-pass
 *       signals) of signal size, so round-off noise grows roughly like f<sub>s</sub>/f<sub>c</sub>
 *       rather than (f<sub>s</sub>/f<sub>c</sub>)&sup2; as in direct forms.</li>
 *   <li><b>Modulation.</b> The states keep their physical meaning (integrator contents) when g
 *       changes, so a moving cutoff injects smaller transients than in direct forms, whose states
 *       are mixtures that depend on the coefficients (in the {@value #CUTOFF_RAMP_MS} ms ramp from
 *       1000 to 20 Hz under a 200 Hz tone, order 4, the largest sample-to-sample step of the output
 *       exceeds the tone's own by 13% with a transposed direct form II, by 7% with this one).</li>
 * </ul>
 * TarsosDSP was considered, but its {@code HighPass} is a one-pole filter and its
 * {@code util.BiQuadFilter} filters forward and backward over a whole buffer, which cannot stream.
 *
 * <h2>Smoothing</h2>
 * <ul>
 *   <li><b>Cutoff</b>: the logarithm of the cutoff moves linearly to a new target over
 *       {@value #CUTOFF_RAMP_MS} ms; coefficients are recomputed every {@value #UPDATE_FRAMES} frames
 *       (at fixed positions in the stream, so the output does not depend on the block size).
 *       The cutoff is limited to {@value #MAX_CUTOFF_FRACTION} of the sample rate.</li>
 *   <li><b>Order</b>: the filter of the new order is started from silence and run alongside the
 *       current one, unheard, until its start-up transient has decayed by
 *       {@value #WARMUP_DECAY_DB} dB (the slowest pole's decay at the current cutoff, e.g. 36 ms
 *       at 80 Hz); then the output crossfades linearly from the old to the new filter over
 *       {@value #FADE_MS} ms and the old one stops. Both run only during such a transition.
 *       Switching back during a transition reverses it without a jump.</li>
 * </ul>
 *
 * <h2>Real time</h2>
 * {@link #render} does not allocate, lock or throw, and its time does not depend on the
 * signal: every {@value #UPDATE_FRAMES} frames filter states whose magnitude is below
 * {@value #FLUSH} are set to zero, and outputs below that magnitude are written as 0, so neither
 * the double states nor the float output ever become subnormal, and silence in gives exact
 * silence out once the tail has decayed. (A tiny alternating offset was rejected: it would keep
 * the output from ever becoming exactly silent.) Latency is 0; {@link #tailFrames()} is computed
 * from the slowest pole.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=" + HighPassEffect.ID)
public final class HighPassEffect extends AbstractEffect {

    public static final String ID = "highpass";
    public static final int CUTOFF_HZ = 0;
    public static final int ORDER = 1;

    /** Frames between coefficient updates (and state flushes). */
    static final int UPDATE_FRAMES = 16;
    /** Duration of a cutoff change, in ms. */
    static final double CUTOFF_RAMP_MS = 50;
    /** Duration of the crossfade between orders, in ms. */
    static final double FADE_MS = 10;
    /** How far the start-up transient of a newly started filter decays before it is faded in. */
    static final double WARMUP_DECAY_DB = -60;
    /** Level, relative to the input, below which the tail counts as silent (-120 dB). */
    static final double TAIL_LEVEL = 1e-6;
    /**
     * Safety factor on the amplitude, relative to the input, of the slowest mode in the impulse
     * and step responses (it is below 1 for these sections). With it the reported tail is about
     * 1.2 times the frames a unit step needs to decay below {@value #TAIL_LEVEL}.
     */
    static final double MODE_AMPLITUDE_BOUND = 10;
    /** States and outputs with a smaller magnitude are flushed to zero. */
    static final double FLUSH = 1e-30;
    /** Highest cutoff as a fraction of the sample rate. */
    static final double MAX_CUTOFF_FRACTION = 0.45;

    static final double MIN_CUTOFF = 20;
    static final double MAX_CUTOFF = 1000;

    /** Damping k = 1/Q of the order-2 section: 2 sin(pi/4) = sqrt(2). */
    static final double K2 = 2 * Math.sin(Math.PI / 4);
    /** Damping of the first order-4 section: 2 sin(3 pi/8), Q = 0.5412. */
    static final double K4A = 2 * Math.sin(3 * Math.PI / 8);
    /** Damping of the second order-4 section: 2 sin(pi/8), Q = 1.3066. */
    static final double K4B = 2 * Math.sin(Math.PI / 8);

    /** Doubles of state per channel: two integrators for each of the three sections. */
    private static final int STATE_STRIDE = 6;

    private static final EffectDescriptor DESCRIPTOR = new EffectDescriptor(ID, "High-pass", "Vocana", "1.0.0", List.of(
            ParameterDescriptor.continuous("cutoffHz", "Cutoff", "Hz", MIN_CUTOFF, MAX_CUTOFF, 80, Scale.LOG),
            ParameterDescriptor.stepped("order", "Order", "", 2, 4, 2, 2)));

    private final LinearRamp logCutoff = new LinearRamp();

    // set in onActivate
    private double rate;
    private double maxLogCutoff;
    private double fadeStep;
    /**
     * Per channel c, at c * STATE_STRIDE: integrator states (band-pass, low-pass) of the order-2
     * section, then of the two order-4 sections.
     */
    private double[] state;
    /** Crossfade weights for the frames of one update period. */
    private double[] weights;

    // parameter targets as last read
    private double lastCutoffParam = Double.NaN;
    private double targetLogCutoff;
    private int targetOrder;

    // coefficients for the current cutoff
    private double g;
    private double gk2;
    private double d2;
    private double gk4a;
    private double d4a;
    private double gk4b;
    private double d4b;

    // order transition
    /** Weight of the order-4 filter in the output, 0..1. */
    private double mix;
    private boolean run2;
    private boolean run4;
    private int warm2;
    private int warm4;
    /** Change of mix per frame during the current update period. */
    private double mixStep;
    /** Frames left until the next update. */
    private int untilUpdate;

    public HighPassEffect() {
        super(DESCRIPTOR);
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        rate = sampleRate;
        lastCutoffParam = Double.NaN;
        maxLogCutoff = Math.log(Math.min(MAX_CUTOFF, MAX_CUTOFF_FRACTION * sampleRate));
        logCutoff.setRampFrames((int) Math.round(CUTOFF_RAMP_MS / 1000.0 * sampleRate / UPDATE_FRAMES));
        fadeStep = 1.0 / Math.max(1, Math.round(FADE_MS / 1000.0 * sampleRate));
        state = new double[channels * STATE_STRIDE];
        weights = new double[UPDATE_FRAMES];
    }

    @Override
    protected void onDeactivate() {
        state = null;
        weights = null;
    }

    @Override
    protected void onReset() {
        readTargets();
        logCutoff.jumpTo(targetLogCutoff);
        updateCoefficients(targetLogCutoff);
        mix = targetOrder == 4 ? 1 : 0;
        run2 = targetOrder == 2;
        run4 = targetOrder == 4;
        warm2 = 0;
        warm4 = 0;
        mixStep = 0;
        untilUpdate = 0;
        Arrays.fill(state, 0.0);
    }

    @Override
    public int tailFrames() {
        double logFc = Math.min(Math.log(parameter(CUTOFF_HZ)), maxLogCutoff);
        double gt = Math.tan(Math.PI * Math.exp(logFc) / rate);
        double frames = decayFrames(gt, parameter(ORDER) > 3 ? K4B : K2, TAIL_LEVEL / MODE_AMPLITUDE_BOUND);
        return frames >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.ceil(frames);
    }

    /**
     * Frames until a mode of the section with coefficients (g, k) decays by {@code level}: its
     * poles have radius r with r&sup2; = (1 - gk + g&sup2;) / (1 + gk + g&sup2;).
     */
    static double decayFrames(double g, double k, double level) {
        double logR2 = Math.log1p(-2 * g * k / (1 + g * k + g * g));
        return 2 * Math.log(level) / logR2;
    }

    /** Reads the parameter targets; allocation-free. */
    private void readTargets() {
        double fc = parameter(CUTOFF_HZ);
        if (fc != lastCutoffParam) {
            lastCutoffParam = fc;
            targetLogCutoff = Math.min(Math.log(fc), maxLogCutoff);
        }
        targetOrder = parameter(ORDER) > 3 ? 4 : 2;
    }

    private void updateCoefficients(double logFc) {
        g = Math.tan(Math.PI * Math.exp(logFc) / rate);
        gk2 = g + K2;
        d2 = 1 / (1 + g * gk2);
        gk4a = g + K4A;
        d4a = 1 / (1 + g * gk4a);
        gk4b = g + K4B;
        d4b = 1 / (1 + g * gk4b);
    }

    /** Runs at fixed stream positions every UPDATE_FRAMES frames, before the period's frames. */
    private void update() {
        if (logCutoff.isRamping()) {
            updateCoefficients(logCutoff.next());
        }
        double[] s = state;
        boolean need2 = mix < 1 || targetOrder == 2;
        boolean need4 = mix > 0 || targetOrder == 4;
        if (need2 && !run2) {
            for (int b = 0; b < s.length; b += STATE_STRIDE) {
                s[b] = 0;
                s[b + 1] = 0;
            }
            warm2 = warmupFrames(K2);
        }
        if (need4 && !run4) {
            for (int b = 0; b < s.length; b += STATE_STRIDE) {
                s[b + 2] = 0;
                s[b + 3] = 0;
                s[b + 4] = 0;
                s[b + 5] = 0;
            }
            warm4 = warmupFrames(K4B);
        }
        run2 = need2;
        run4 = need4;
        double targetMix = targetOrder == 4 ? 1 : 0;
        mixStep = 0;
        if (mix != targetMix && (targetOrder == 4 ? warm4 : warm2) <= 0) {
            mixStep = targetMix > mix ? fadeStep : -fadeStep;
        }
        for (int i = 0; i < s.length; i++) {
            if (Math.abs(s[i]) < FLUSH) {
                s[i] = 0;
            }
        }
        untilUpdate = UPDATE_FRAMES;
    }

    /** Frames for a filter started from silence to settle at the current cutoff; k is its slowest section's. */
    private int warmupFrames(double k) {
        return (int) Math.ceil(decayFrames(g, k, Math.pow(10, WARMUP_DECAY_DB / 20)));
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        readTargets();
        logCutoff.setTarget(targetLogCutoff);
        int channels = channels();
        int pos = 0;
        while (pos < frames) {
            if (untilUpdate == 0) {
                update();
            }
            int n = Math.min(untilUpdate, frames - pos);
            if (run2 && run4) {
                fillWeights(n);
                for (int c = 0; c < channels; c++) {
                    processBoth(in[c], out[c], pos, n, c * STATE_STRIDE);
                }
            } else if (run4) {
                for (int c = 0; c < channels; c++) {
                    processOrder4(in[c], out[c], pos, n, c * STATE_STRIDE);
                }
            } else {
                for (int c = 0; c < channels; c++) {
                    processOrder2(in[c], out[c], pos, n, c * STATE_STRIDE);
                }
            }
            if (run2) {
                warm2 = Math.max(0, warm2 - n);
            }
            if (run4) {
                warm4 = Math.max(0, warm4 - n);
            }
            untilUpdate -= n;
            pos += n;
        }
    }

    /** Per-frame weights of the order-4 output for the next n frames; advances mix. */
    private void fillWeights(int n) {
        double m = mix;
        double step = mixStep;
        double[] w = weights;
        for (int j = 0; j < n; j++) {
            m = Math.min(1, Math.max(0, m + step));
            w[j] = m;
        }
        mix = m;
    }

    /*
     * One section, per frame, with integrator states z1 (band-pass) and z2 (low-pass):
     *   hp = (x - (g + k) z1 - z2) / (1 + g (g + k))
     *   v = g hp;  bp = z1 + v;  z1' = bp + v
     *   u = g bp;  lp = z2 + u;  z2' = lp + u
     * Trapezoidal integrators y = g x + z, z' = y + g x; hp + k bp + lp = x.
     */

    private void processOrder2(float[] x, float[] y, int from, int n, int b) {
        double[] s = state;
        double gg = g;
        double gk = gk2;
        double d = d2;
        double z1 = s[b];
        double z2 = s[b + 1];
        int end = from + n;
        for (int i = from; i < end; i++) {
            double hp = (x[i] - gk * z1 - z2) * d;
            double v = gg * hp;
            double bp = z1 + v;
            z1 = bp + v;
            double u = gg * bp;
            double lp = z2 + u;
            z2 = lp + u;
            y[i] = (float) (Math.abs(hp) < FLUSH ? 0.0 : hp);
        }
        s[b] = z1;
        s[b + 1] = z2;
    }

    private void processOrder4(float[] x, float[] y, int from, int n, int b) {
        double[] s = state;
        double gg = g;
        double gka = gk4a;
        double da = d4a;
        double gkb = gk4b;
        double db = d4b;
        double a1 = s[b + 2];
        double a2 = s[b + 3];
        double b1 = s[b + 4];
        double b2 = s[b + 5];
        int end = from + n;
        for (int i = from; i < end; i++) {
            double ha = (x[i] - gka * a1 - a2) * da;
            double va = gg * ha;
            double bpa = a1 + va;
            a1 = bpa + va;
            double ua = gg * bpa;
            double lpa = a2 + ua;
            a2 = lpa + ua;

            double hb = (ha - gkb * b1 - b2) * db;
            double vb = gg * hb;
            double bpb = b1 + vb;
            b1 = bpb + vb;
            double ub = gg * bpb;
            double lpb = b2 + ub;
            b2 = lpb + ub;
            y[i] = (float) (Math.abs(hb) < FLUSH ? 0.0 : hb);
        }
        s[b + 2] = a1;
        s[b + 3] = a2;
        s[b + 4] = b1;
        s[b + 5] = b2;
    }

    private void processBoth(float[] x, float[] y, int from, int n, int b) {
        double[] s = state;
        double[] w = weights;
        double gg = g;
        double gk = gk2;
        double d = d2;
        double gka = gk4a;
        double da = d4a;
        double gkb = gk4b;
        double db = d4b;
        double z1 = s[b];
        double z2 = s[b + 1];
        double a1 = s[b + 2];
        double a2 = s[b + 3];
        double b1 = s[b + 4];
        double b2 = s[b + 5];
        for (int j = 0; j < n; j++) {
            int i = from + j;
            double xi = x[i];

            double h2 = (xi - gk * z1 - z2) * d;
            double v = gg * h2;
            double bp = z1 + v;
            z1 = bp + v;
            double u = gg * bp;
            double lp = z2 + u;
            z2 = lp + u;

            double ha = (xi - gka * a1 - a2) * da;
            double va = gg * ha;
            double bpa = a1 + va;
            a1 = bpa + va;
            double ua = gg * bpa;
            double lpa = a2 + ua;
            a2 = lpa + ua;

            double hb = (ha - gkb * b1 - b2) * db;
            double vb = gg * hb;
            double bpb = b1 + vb;
            b1 = bpb + vb;
            double ub = gg * bpb;
            double lpb = b2 + ub;
            b2 = lpb + ub;

            double m = w[j];
            double yo = (1 - m) * h2 + m * hb;
            y[i] = (float) (Math.abs(yo) < FLUSH ? 0.0 : yo);
        }
        s[b] = z1;
        s[b + 1] = z2;
        s[b + 2] = a1;
        s[b + 3] = a2;
        s[b + 4] = b1;
        s[b + 5] = b2;
    }

    /** True if any filter state is subnormal (for tests). */
    boolean hasSubnormalState() {
        for (double v : state) {
            if (v != 0 && Math.abs(v) < Double.MIN_NORMAL) {
                return true;
            }
        }
        return false;
    }

    /** The smallest non-zero state magnitude, or +infinity if all are zero (for tests). */
    double smallestStateMagnitude() {
        double min = Double.POSITIVE_INFINITY;
        for (double v : state) {
            if (v != 0) {
                min = Math.min(min, Math.abs(v));
            }
        }
        return min;
    }
}
