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
 * Streaming spectral noise suppression.
 *
 * <ul>
 *   <li>STFT: a power-of-two frame of about 10 ms (512 at 48 kHz), hop a quarter frame,
 *       square-root Hann analysis and synthesis windows (weighted overlap-add), TarsosDSP's FFT
 *       (allocation-free at power-of-two sizes). Latency: frame - 1 samples exactly (511 at
 *       48 kHz = 10.6 ms), whatever the block size.</li>
 *   <li>Noise: minima-controlled recursive averaging (Cohen and Berdugo, MCRA): the smoothed
 *       power's minimum over about a second tells where speech is absent; there the noise estimate
 *       follows the input, elsewhere it holds, so it keeps tracking slowly changing noise while
 *       someone talks.</li>
 *   <li>Gain: Wiener rule on a decision-directed a priori SNR (Ephraim and Malah), which smooths
 *       the gains over time and keeps musical noise down; the gain never goes below the floor set
 *       by {@code strengthDb}.</li>
 *   <li>Channels are linked: one set of gains from the mean power of all channels, so the stereo
 *       image stays where it is.</li>
 * </ul>
 */
@Component(service = Effect.class, scope = ServiceScope.PROTOTYPE, property = Effect.ID_PROPERTY + "=denoise")
public final class NoiseSuppressor extends AbstractEffect {

    static final int STRENGTH = 0;
    private static final float EPS = 1e-12f;

    private int n;
    private int hop;
    private int bins;
    private int latency;
    private int mask;
    private FFT fft;
    private float[] window;
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
    private long position;
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
        n = Integer.highestOneBit((int) Math.ceil(sampleRate / 100) * 2 - 1);
        n = Math.max(64, n);
        hop = n / 4;
        bins = n / 2 + 1;
        latency = n - 1;
        int cap = Integer.highestOneBit(2 * n) * 2;
        mask = cap - 1;
        fft = new FFT(n);
        window = new float[n];
        for (int i = 0; i < n; i++) {
            // square-root Hann: analysis x synthesis = Hann, whose hop-n/4 overlap sums to 2
            window[i] = (float) Math.sqrt(0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        }
        history = new float[channels][n];
        acc = new float[channels][n];
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
        double hopSeconds = hop / sampleRate;
        alphaS = (float) Math.exp(-hopSeconds / 0.010);
        alphaP = (float) Math.exp(-hopSeconds / 0.100);
        alphaD = (float) Math.exp(-hopSeconds / 0.150);
        alphaDd = (float) Math.pow(0.98, hopSeconds / 0.010);
        minWindowFrames = Math.max(8, (int) (1.0 / hopSeconds));
        initFrames = Math.max(4, (int) (0.05 / hopSeconds));
        onReset();
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
        fill = 0;
        frames = 0;
    }

    @Override
    public int latencyFrames() {
        return latency;
    }

    @Override
    public int tailFrames() {
        return n;
    }

    @Override
    protected void render(float[][] in, float[][] outBuf, int frames) {
        int channels = channels();
        for (int i = 0; i < frames; i++) {
            int w = (int) (position & (n - 1));
            for (int c = 0; c < channels; c++) {
                history[c][w] = in[c][i]; // a ring: the oldest sample sits at the next write index
            }
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
            int oldest = (int) (position & (n - 1));
            for (int i = 0; i < n; i++) {
                s[i] = h[(oldest + i) & (n - 1)] * window[i];
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
        estimate();
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
            for (int i = 0; i < n; i++) {
                a[i] += s[i] * window[i] * 0.5f; // Hann overlap at n/4 sums to 2
            }
            // the first hop samples are final: they belong to input positions position-n .. position-n+hop-1
            long first = position - n;
            float[] o = out[c];
            for (int i = 0; i < hop; i++) {
                o[(int) ((first + i) & mask)] = a[i];
            }
            System.arraycopy(a, hop, a, 0, n - hop);
            Arrays.fill(a, n - hop, n, 0f);
        }
        frames++;
    }

    /** MCRA noise tracking and the decision-directed Wiener gain, per bin. */
    private void estimate() {
        float floor = (float) Math.pow(10, -parameter(STRENGTH) / 20);
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
            float present = s > 5f * min[k] ? 1f : 0f;
            prob[k] = alphaP * prob[k] + (1 - alphaP) * present;
            if (frames < initFrames) {
                noise[k] = frames == 0 ? p : 0.5f * (noise[k] + p); // the lead-in is taken as noise
            } else {
                // where speech is detected now the estimate holds at once (no leakage of onsets into it);
                // elsewhere it follows the input at a rate slowed by the presence probability
                float ad = present > 0 ? 1f : alphaD + (1 - alphaD) * prob[k];
                noise[k] = ad * noise[k] + (1 - ad) * p;
            }
            float nk = Math.max(noise[k], EPS);
            float post = p / nk;
            float xi = alphaDd * prevClean[k] / nk + (1 - alphaDd) * Math.max(post - 1f, 0f);
            float g = Math.max(xi / (1f + xi), floor);
            gain[k] = g;
            prevClean[k] = g * g * p;
        }
    }
}
