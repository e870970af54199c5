/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.denoise;

import be.tarsos.dsp.util.fft.FFT;
import java.util.Arrays;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;

/**
 * Streaming spectral noise suppression, low latency with fine frequency resolution.
 *
 * <ul>
 *   <li>STFT with asymmetric windows (after Mauler and Martin): the analysis window is twice the
 *       synthesis window, 1024 samples at 48 kHz (47 Hz bins, fine enough to pass the harmonics of
 *       a voice and to notch mains hum), while the synthesis window covers only its last 512, so
 *       the latency is that of a 512-sample frame: synthesis length - 1 samples exactly (511 at
 *       48 kHz = 10.6 ms), whatever the block size. Hop: half the synthesis window. Analysis x
 *       synthesis = a Hann window, whose overlap at that hop sums to one. TarsosDSP's FFT
 *       (allocation-free at power-of-two sizes).</li>
 *   <li>Noise: minima-controlled recursive averaging (Cohen and Berdugo, MCRA): the smoothed
 *       power's minimum over about a second tells where speech is absent; there the noise estimate
 *       follows the input, elsewhere it holds, so it keeps tracking slowly changing noise while
 *       someone talks.</li>
 *   <li>Gain: Wiener rule on a decision-directed a priori SNR (Ephraim and Malah) whose
 *       instantaneous term takes the posterior SNR over a neighbourhood about a fifth of an octave
 *       wide (ratio of the summed powers), which removes most musical noise where bins are
 *       narrow compared with the ear's bands; the gain never goes below the floor set by
 *       {@code strengthDb}.</li>
 *   <li>Channels are linked: one set of gains from the mean power of all channels, so the stereo
 *       image stays where it is.</li>
 * </ul>
 *
 * The constants were chosen with {@code vocana eval} on its dev set, side by side with speexdsp.
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=denoise")
public final class NoiseSuppressor extends AbstractEffect {

    static final int STRENGTH = 0;
    private static final float EPS = 1e-12f;
    /** Power smoothing before minimum tracking, and speech-presence smoothing (s). */
    private static final double SMOOTH_SECONDS = 0.010;
    private static final double PRESENCE_SECONDS = 0.15;
    /** How fast the noise estimate follows the input where speech is absent (s). */
    private static final double NOISE_SECONDS = 0.8;
    /** Decision-directed smoothing of the a priori SNR (s). */
    private static final double PRIOR_SNR_SECONDS = 0.032;
    /** Minimum-tracking window (s) and the power-to-minimum ratio above which speech is present. */
    private static final double MINIMUM_SECONDS = 1.0;
    private static final float PRESENCE_RATIO = 5f;
    /** Half-width of the posterior-SNR neighbourhood, relative to the bin's frequency. */
    private static final float NEIGHBOURHOOD = 0.1f;

    private int n;
    private int syn;
    private int hop;
    private int bins;
    private int latency;
    private int mask;
    private FFT fft;
    private float[] analysis;
    private float[] synthesis;
    private float[][] history;
    private float[][] acc;
    private float[][] out;
    private float[][] spec;
    private float[] power;
    private float[] smooth;
    private float[] min;
    private float[] tmpMin;
    private float[] prob;
    private float[] noise;
    private float[] prevClean;
    private float[] gain;
    private double[] sumPower;
    private double[] sumNoise;
    private long position;
    private int write;
    private int fill;
    private long frames;
    private int minWindowFrames;
    private float alphaS;
    private float alphaP;
    private float alphaD;
    private float alphaDd;
    private int initFrames;

    public NoiseSuppressor() {
        super(new EffectDescriptor("denoise", "Noise suppression", "Vocana", "1.0.0", List.of(
                ParameterDescriptor.continuous("strengthDb", "Strength", "dB", 0, 40, 24,
                        ParameterDescriptor.Scale.LINEAR))));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        // synthesis: the largest power of two up to 20 ms (512 at 44.1/48 kHz, 1024 at 96 kHz)
        syn = Math.max(64, Integer.highestOneBit((int) Math.ceil(sampleRate / 100) * 2 - 1));
        n = 2 * syn;
        hop = syn / 2;
        bins = n / 2 + 1;
        latency = syn - 1;
        int cap = Integer.highestOneBit(2 * n) * 2;
        mask = cap - 1;
        fft = new FFT(n);
        analysis = new float[n];
        synthesis = new float[n];
        int rise = n - syn / 2;
        for (int i = 0; i < n; i++) {
            // a long square-root Hann rise, then the square root of the short Hann's falling half
            analysis[i] = (float) (i < rise ? Math.sqrt(0.5 - 0.5 * Math.cos(Math.PI * i / rise))
                    : Math.sqrt(hann(i - (n - syn), syn)));
        }
        for (int i = n - syn; i < n; i++) {
            // analysis x synthesis = Hann over the last syn samples: sums to one at hop syn/2
            synthesis[i] = analysis[i] == 0 ? 0f : (float) (hann(i - (n - syn), syn) / analysis[i]);
        }
        history = new float[channels][n];
        acc = new float[channels][syn];
        out = new float[channels][cap];
        spec = new float[channels][n];
        power = new float[bins];
        smooth = new float[bins];
        min = new float[bins];
        tmpMin = new float[bins];
        prob = new float[bins];
        noise = new float[bins];
        prevClean = new float[bins];
        gain = new float[bins];
        sumPower = new double[bins + 1];
        sumNoise = new double[bins + 1];
        double hopSeconds = hop / sampleRate;
        alphaS = (float) Math.exp(-hopSeconds / SMOOTH_SECONDS);
        alphaP = (float) Math.exp(-hopSeconds / PRESENCE_SECONDS);
        alphaD = (float) Math.exp(-hopSeconds / NOISE_SECONDS);
        alphaDd = (float) Math.exp(-hopSeconds / PRIOR_SNR_SECONDS);
        minWindowFrames = Math.max(8, (int) (MINIMUM_SECONDS / hopSeconds));
        initFrames = Math.max(4, (int) (0.05 / hopSeconds));
        onReset();
    }

    /** Periodic Hann window of length {@code length} at {@code i}. */
    private static double hann(int i, int length) {
        return 0.5 - 0.5 * Math.cos(2 * Math.PI * i / length);
    }

    @Override
    protected void onReset() {
        for (int c = 0; c < history.length; c++) {
            Arrays.fill(history[c], 0f);
            Arrays.fill(acc[c], 0f);
            Arrays.fill(out[c], 0f);
        }
        Arrays.fill(smooth, 0f);
        Arrays.fill(min, Float.MAX_VALUE);
        Arrays.fill(tmpMin, Float.MAX_VALUE);
        Arrays.fill(prob, 0f);
        Arrays.fill(noise, 0f);
        Arrays.fill(prevClean, 0f);
        Arrays.fill(gain, 1f);
        position = 0;
        write = 0;
        fill = 0;
        frames = 0;
    }

    @Override
    public int latencyFrames() {
        return latency;
    }

    @Override
    public int tailFrames() {
        return syn;
    }

    @Override
    protected void render(float[][] in, float[][] outBuf, int count) {
        int channels = channels();
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < channels; c++) {
                history[c][write] = in[c][i]; // a ring: the oldest sample sits at the next write index
            }
            write = write + 1 == n ? 0 : write + 1;
            position++;
            if (++fill == hop) {
                fill = 0;
                frame(channels);
            }
            int read = (int) ((position - 1 - latency) & mask);
            for (int c = 0; c < channels; c++) {
                float y = position - 1 >= latency ? out[c][read] : 0f;
                outBuf[c][i] = Math.abs(y) < 1e-30f ? 0f : y;
            }
        }
    }

    /** One STFT frame over the last n samples: analyse, estimate, apply gains, overlap-add. */
    private void frame(int channels) {
        Arrays.fill(power, 0f);
        for (int c = 0; c < channels; c++) {
            float[] s = spec[c];
            float[] h = history[c];
            int tail = n - write;
            for (int i = 0; i < tail; i++) {
                s[i] = h[write + i] * analysis[i];
            }
            for (int i = tail; i < n; i++) {
                s[i] = h[i - tail] * analysis[i];
            }
            fft.forwardTransform(s);
            power[0] += s[0] * s[0];
            power[bins - 1] += s[1] * s[1];
            for (int k = 1; k < bins - 1; k++) {
                power[k] += s[2 * k] * s[2 * k] + s[2 * k + 1] * s[2 * k + 1];
            }
        }
        float inv = 1f / channels;
        for (int k = 0; k < bins; k++) {
            power[k] = power[k] * inv + EPS;
        }
        trackNoise();
        computeGains();
        int base = n - syn;
        for (int c = 0; c < channels; c++) {
            float[] s = spec[c];
            s[0] *= gain[0];
            s[1] *= gain[bins - 1];
            for (int k = 1; k < bins - 1; k++) {
                s[2 * k] *= gain[k];
                s[2 * k + 1] *= gain[k];
            }
            fft.backwardsTransform(s);
            float[] a = acc[c];
            for (int i = 0; i < syn; i++) {
                a[i] += s[base + i] * synthesis[base + i];
            }
            // the first hop samples are final: they belong to input positions position-syn .. position-syn+hop-1
            long first = position - syn;
            float[] o = out[c];
            for (int i = 0; i < hop; i++) {
                o[(int) ((first + i) & mask)] = a[i];
            }
            System.arraycopy(a, hop, a, 0, syn - hop);
            Arrays.fill(a, syn - hop, syn, 0f);
        }
        frames++;
    }

    /** MCRA: minimum tracking decides where speech is absent; there the noise follows the input. */
    private void trackNoise() {
        boolean restartMin = frames % minWindowFrames == 0 && frames > 0;
        for (int k = 0; k < bins; k++) {
            float p = power[k];
            float s = frames == 0 ? p : alphaS * smooth[k] + (1 - alphaS) * p;
            smooth[k] = s;
            if (restartMin) {
                min[k] = Math.min(tmpMin[k], s);
                tmpMin[k] = s;
            } else {
                min[k] = Math.min(min[k], s);
                tmpMin[k] = Math.min(tmpMin[k], s);
            }
            float present = s > PRESENCE_RATIO * min[k] ? 1f : 0f;
            prob[k] = alphaP * prob[k] + (1 - alphaP) * present;
            if (frames < initFrames) {
                noise[k] = frames == 0 ? p : 0.5f * (noise[k] + p); // the lead-in is taken as noise
            } else {
                // where speech is detected now the estimate holds at once (no leakage of onsets into it);
                // elsewhere it follows the input at a rate slowed by the presence probability
                float ad = present > 0 ? 1f : alphaD + (1 - alphaD) * prob[k];
                noise[k] = ad * noise[k] + (1 - ad) * p;
            }
        }
    }

    /** Decision-directed a priori SNR with a neighbourhood posterior SNR, Wiener gain, floor. */
    private void computeGains() {
        float floor = (float) Math.pow(10, -parameter(STRENGTH) / 20);
        double cp = 0;
        double cn = 0;
        for (int k = 0; k < bins; k++) {
            cp += power[k];
            cn += Math.max(noise[k], EPS);
            sumPower[k + 1] = cp;
            sumNoise[k + 1] = cn;
        }
        for (int k = 0; k < bins; k++) {
            float nk = Math.max(noise[k], EPS);
            int w = (int) (k * NEIGHBOURHOOD);
            int lo = Math.max(0, k - w);
            int hi = Math.min(bins, k + w + 1);
            float post = (float) ((sumPower[hi] - sumPower[lo]) / (sumNoise[hi] - sumNoise[lo]));
            float xi = alphaDd * prevClean[k] / nk + (1 - alphaDd) * Math.max(post - 1f, 0f);
            float g = xi / (1f + xi);
            prevClean[k] = g * g * power[k];
            gain[k] = Math.max(g, floor);
        }
    }
}
