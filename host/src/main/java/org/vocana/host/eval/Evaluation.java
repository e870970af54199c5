/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vocana.host.offline.OfflineProcessor.Progress;
import org.vocana.sdk.Effect;

/**
 * Scores noise suppressors side by side on the same mixtures in one run.
 *
 * <p>Each mixture is one dev-set voice at -26 dBFS RMS with one noise at one SNR (speech power
 * over noise power, both over the utterance), preceded by a 1 s noise-only lead-in (suppressors
 * learn the noise there, as in a call) and followed by 0.25 s of noise. Every suppressor streams
 * it in 128-frame blocks, mono 48 kHz, reset before each file, the suppressors interleaved file
 * by file so that a busy machine slows all of them alike. The output is aligned to the clean
 * speech by cross-correlation and scored over the utterance only (lead-in and tail excluded):
 * SI-SDR, segmental SNR and STOI, each as the improvement over the unprocessed mixture.
 */
public final class Evaluation {

    public static final int BLOCK = 128;
    public static final double SPEECH_RMS_DBFS = -26;
    static final double LEAD_IN_SECONDS = 1.0;
    static final double TAIL_SECONDS = 0.25;
    /** The largest delay the alignment looks for: 8192 samples, 171 ms. */
    public static final int MAX_LAG = 8192;
    private static final int WARM_UP_PASSES = 3;
    private static final int FRAMES_PER_10MS = DevSet.SAMPLE_RATE / 100;

    /** A named suppressor: one effect or a chain of them, activated for 48 kHz mono and {@link #BLOCK} frames. */
    public record Suppressor(String name, List<Effect> effects) {
        int latencyFrames() {
            return effects.stream().mapToInt(Effect::latencyFrames).sum();
        }
    }

    /** What to run: noise types, SNRs in dB, and how many of the dev set's voices (from the first). */
    public record Options(List<String> noises, List<Double> snrsDb, int voices) {
    }

    /** Mean improvements of one suppressor for one noise at one SNR, over the voices. */
    public record Cell(String suppressor, String noise, double snrDb, double deltaSiSdr, double deltaSegSnr,
                       double deltaStoi) {
    }

    /** The unprocessed mixtures' mean scores for one noise at one SNR (what the deltas start from). */
    public record Baseline(String noise, double snrDb, double siSdr, double segSnr, double stoi) {
    }

    /**
     * One suppressor over the whole run: mean improvements, SI-SDR on clean speech (mean and worst
     * voice), median cost per 10 ms of audio, reported latency and the delays measured on every file.
     */
    public record Summary(String suppressor, double deltaSiSdr, double deltaSegSnr, double deltaStoi,
                          double cleanSiSdr, double cleanSiSdrMin, double microsPer10ms, int reportedLatency,
                          int measuredLatencyMin, int measuredLatencyMax) {
    }

    public record Report(List<Baseline> baselines, List<Cell> cells, List<Summary> summaries, int mixtures,
                         double audioSeconds) {
    }

    private Evaluation() {
    }

    public static Report run(DevSet set, List<Suppressor> suppressors, Options options, Progress progress) {
        if (suppressors.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: no suppressor given");
        }
        if (options.voices() < 1 || options.voices() > set.speech().size()) {
            throw new IllegalArgumentException("--voices " + options.voices() + " is out of range: the dev set has "
                    + set.speech().size() + " voices (accepted 1.." + set.speech().size() + ")");
        }
        int sCount = suppressors.size();
        int voices = options.voices();
        List<String> noises = options.noises();
        List<Double> snrs = options.snrsDb();
        int lead = (int) (LEAD_IN_SECONDS * DevSet.SAMPLE_RATE);
        int tail = (int) (TAIL_SECONDS * DevSet.SAMPLE_RATE);
        long total = (long) voices * (1 + noises.size() * snrs.size());
        long done = 0;

        double[][] clean = new double[sCount][voices];
        double[][] cost = new double[sCount][(int) total];
        int[] measuredMin = new int[sCount];
        int[] measuredMax = new int[sCount];
        Arrays.fill(measuredMin, Integer.MAX_VALUE);
        Arrays.fill(measuredMax, Integer.MIN_VALUE);
        double[][][][] deltas = new double[sCount][noises.size()][snrs.size()][3];
        double[][][] base = new double[noises.size()][snrs.size()][3];
        double audioSeconds = 0;

        for (int v = 0; v < voices; v++) {
            float[] speech = scaled(set.speech().get(v), SPEECH_RMS_DBFS);
            int length = lead + speech.length + tail;
            float[] reference = new float[length];
            System.arraycopy(speech, 0, reference, lead, speech.length);
            if (v == 0) {
                for (Suppressor s : suppressors) { // let the JIT compile every suppressor before timing any
                    for (int i = 0; i < WARM_UP_PASSES; i++) {
                        process(s, reference, new long[1]);
                    }
                }
            }
            // clean speech in: the suppressor must leave it alone
            for (int s = 0; s < sCount; s++) {
                long[] nanos = new long[1];
                float[] out = process(suppressors.get(s), reference, nanos);
                int d = measure(reference, out, s, measuredMin, measuredMax);
                clean[s][v] = Metrics.siSdr(speech, Arrays.copyOfRange(out, lead + d, lead + d + speech.length));
                cost[s][(int) done] = micros(nanos[0], out.length);
            }
            audioSeconds += (double) length / DevSet.SAMPLE_RATE;
            progress.update(++done, total);
            for (int n = 0; n < noises.size(); n++) {
                float[] noise = Noises.generate(noises.get(n), v, length, DevSet.SAMPLE_RATE, set.babble());
                for (int k = 0; k < snrs.size(); k++) {
                    float[] mixture = reference.clone();
                    double noiseRms = Noises.rms(speech, 0, speech.length) * Math.pow(10, -snrs.get(k) / 20);
                    double unit = Noises.rms(noise, lead, lead + speech.length); // noise power over the utterance
                    for (int i = 0; i < length; i++) {
                        mixture[i] += (float) (noise[i] * noiseRms / unit);
                    }
                    float[] noisy = Arrays.copyOfRange(mixture, lead, lead + speech.length);
                    double[] before = scores(speech, noisy);
                    for (int m = 0; m < 3; m++) {
                        base[n][k][m] += before[m] / voices;
                    }
                    for (int s = 0; s < sCount; s++) {
                        long[] nanos = new long[1];
                        float[] out = process(suppressors.get(s), mixture, nanos);
                        int d = measure(reference, out, s, measuredMin, measuredMax);
                        double[] after = scores(speech, Arrays.copyOfRange(out, lead + d, lead + d + speech.length));
                        for (int m = 0; m < 3; m++) {
                            deltas[s][n][k][m] += (after[m] - before[m]) / voices;
                        }
                        cost[s][(int) done] = micros(nanos[0], out.length);
                    }
                    audioSeconds += (double) length / DevSet.SAMPLE_RATE;
                    progress.update(++done, total);
                }
            }
        }

        List<Baseline> baselines = new ArrayList<>();
        for (int n = 0; n < noises.size(); n++) {
            for (int k = 0; k < snrs.size(); k++) {
                baselines.add(new Baseline(noises.get(n), snrs.get(k), base[n][k][0], base[n][k][1], base[n][k][2]));
            }
        }
        List<Cell> cells = new ArrayList<>();
        List<Summary> summaries = new ArrayList<>();
        for (int s = 0; s < sCount; s++) {
            double[] mean = new double[3];
            for (int n = 0; n < noises.size(); n++) {
                for (int k = 0; k < snrs.size(); k++) {
                    double[] c = deltas[s][n][k];
                    cells.add(new Cell(suppressors.get(s).name(), noises.get(n), snrs.get(k), c[0], c[1], c[2]));
                    for (int m = 0; m < 3; m++) {
                        mean[m] += c[m] / (noises.size() * snrs.size());
                    }
                }
            }
            boolean noisyRun = !noises.isEmpty() && !snrs.isEmpty();
            summaries.add(new Summary(suppressors.get(s).name(),
                    noisyRun ? mean[0] : Double.NaN, noisyRun ? mean[1] : Double.NaN, noisyRun ? mean[2] : Double.NaN,
                    Arrays.stream(clean[s]).average().orElseThrow(), Arrays.stream(clean[s]).min().orElseThrow(),
                    median(cost[s]), suppressors.get(s).latencyFrames(), measuredMin[s], measuredMax[s]));
        }
        return new Report(baselines, cells, summaries, (int) total, audioSeconds);
    }

    /** SI-SDR, segmental SNR, STOI of {@code estimate} against {@code speech}. */
    private static double[] scores(float[] speech, float[] estimate) {
        return new double[] {
            Metrics.siSdr(speech, estimate),
            Metrics.segmentalSnr(speech, estimate, DevSet.SAMPLE_RATE),
            Stoi.stoi(speech, estimate, DevSet.SAMPLE_RATE)};
    }

    private static int measure(float[] reference, float[] out, int s, int[] min, int[] max) {
        int d = Alignment.delay(reference, out, MAX_LAG);
        min[s] = Math.min(min[s], d);
        max[s] = Math.max(max[s], d);
        return d;
    }

    /**
     * Streams {@code input} and then {@link #MAX_LAG} frames of silence (to flush the delay) through
     * the suppressor in {@link #BLOCK}-frame blocks, adding the time spent inside the effects to
     * {@code nanos[0]}.
     */
    static float[] process(Suppressor s, float[] input, long[] nanos) {
        for (Effect e : s.effects()) {
            e.reset();
        }
        int total = input.length + MAX_LAG;
        float[] out = new float[total];
        float[][] a = new float[1][BLOCK];
        float[][] b = new float[1][BLOCK];
        List<Effect> effects = s.effects();
        for (int pos = 0; pos < total; pos += BLOCK) {
            int frames = Math.min(BLOCK, total - pos);
            int available = Math.clamp(input.length - pos, 0, frames);
            if (available > 0) {
                System.arraycopy(input, pos, a[0], 0, available);
            }
            Arrays.fill(a[0], available, BLOCK, 0f);
            long start = System.nanoTime();
            for (Effect e : effects) {
                e.process(a, b, frames);
                float[][] t = a;
                a = b;
                b = t;
            }
            nanos[0] += System.nanoTime() - start;
            System.arraycopy(a[0], 0, out, pos, frames);
        }
        return out;
    }

    private static double micros(long nanos, int frames) {
        return nanos / 1000.0 / ((double) frames / FRAMES_PER_10MS);
    }

    static float[] scaled(float[] x, double rmsDbfs) {
        double r = Noises.rms(x, 0, x.length);
        if (r == 0) {
            throw new IllegalArgumentException("a dev-set speech file is silent");
        }
        double g = Math.pow(10, rmsDbfs / 20) / r;
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) (x[i] * g);
        }
        return y;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
