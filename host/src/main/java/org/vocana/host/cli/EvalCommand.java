/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.effects.EffectInstance;
import org.vocana.host.eval.DevSet;
import org.vocana.host.eval.Evaluation;
import org.vocana.host.eval.Evaluation.Cell;
import org.vocana.host.eval.Evaluation.Report;
import org.vocana.host.eval.Evaluation.Summary;
import org.vocana.host.eval.Noises;
import org.vocana.host.offline.OfflineProcessor;
import org.vocana.sdk.Effect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vocana eval}: noise suppressors side by side on the dev set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Score noise suppressors side by side on the same noisy speech in one run.",
            "",
            "Mixes the dev set's voices with seven noises at each SNR (after a 1 s noise-only lead-in), streams "
                + "every mixture through each suppressor in 128-frame blocks at 48 kHz, aligns the output by "
                + "cross-correlation and prints the improvement in SI-SDR, segmental SNR and STOI per noise and SNR, "
                + "SI-SDR on clean speech, cost per 10 ms of audio and latency (reported and measured).",
            "",
            "Without --devset, ./vocana makes the dev set first if it is missing:",
            "host/eval/make-devset.sh host/target/devset (needs espeak-ng and sox)."})
final class EvalCommand implements Callable<Integer> {

    /** Exit code of {@code --check} when a target is missed. */
    static final int EXIT_TARGET_MISSED = 3;
    static final double MARGIN_SI_SDR_DB = 1.3;
    static final double MIN_CLEAN_SI_SDR_DB = 25;
    static final double MAX_LATENCY_MS = 12;

    @Option(names = "--devset", paramLabel = "DIR",
            description = "Dev-set directory (default: host/target/devset under the Vocana home).")
    Path devset;

    @Option(names = {"-s", "--suppressor"}, paramLabel = "SPEC",
            description = "Suppressor to score: an effect or chain spec as for 'process' (repeatable; default: denoise).")
    List<String> suppressors;

    @Option(names = {"-r", "--reference"}, paramLabel = "SPEC", defaultValue = "denoise-speex",
            description = "Reference suppressor scored in the same run, or 'none' (default: ${DEFAULT-VALUE}, speexdsp at -30 dB).")
    String reference;

    @Option(names = "--noise", paramLabel = "LIST", split = ",",
            description = "Noise types, comma-separated (default: all): white, pink, brown, hum, fan, keyboard, babble.")
    List<String> noises;

    @Option(names = "--snr", paramLabel = "LIST", split = ",", defaultValue = "0,5,10,20",
            description = "SNRs in dB, comma-separated, each -10..40 (default: ${DEFAULT-VALUE}).")
    List<Double> snrs;

    @Option(names = "--voices", paramLabel = "N",
            description = "Use the first N voices of the dev set (default: all).")
    Integer voices;

    @Option(names = "--check", description = "Exit with status 3 unless every suppressor meets the targets against "
            + "the reference: mean dSI-SDR >= reference + 1.3 dB, mean dSTOI >= reference, clean SI-SDR >= 25 dB "
            + "(every voice), latency <= 12 ms and measured = reported.")
    boolean check;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress.")
    boolean quiet;

    private final EffectCatalog catalog;
    private final PrintStream out;
    private final PrintStream err;

    EvalCommand(EffectCatalog catalog, PrintStream out, PrintStream err) {
        this.catalog = catalog;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<String> noiseTypes = noises == null ? Noises.TYPES : noises.stream().map(Noises::check).distinct().toList();
        for (double snr : snrs) {
            if (!(snr >= -10 && snr <= 40)) {
                throw new IllegalArgumentException("--snr " + snr + " is out of range: accepted -10..40 dB");
            }
        }
        List<String> specs = new ArrayList<>(suppressors == null ? List.of("denoise") : suppressors);
        boolean withReference = !"none".equals(reference);
        if (check && !withReference) {
            throw new IllegalArgumentException("--check compares against the reference: it needs --reference SPEC, not 'none'");
        }
        if (withReference) {
            specs.add(reference);
        }
        Path dir = devset != null ? devset
                : Path.of(System.getProperty("vocana.home", ".")).resolve("host").resolve("target").resolve("devset");
        DevSet set = DevSet.load(dir);
        int voiceCount = voices == null ? set.speech().size() : voices;

        ChainResolver resolver = new ChainResolver(catalog);
        List<EffectInstance> instances = new ArrayList<>();
        List<Effect> active = new ArrayList<>();
        try {
            List<Evaluation.Suppressor> list = new ArrayList<>();
            for (String s : specs) {
                ChainSpec spec = ChainSpec.parse(s);
                Effects.awaitInstalled(catalog, spec);
                List<EffectInstance> chain = resolver.instantiate(spec);
                instances.addAll(chain);
                List<Effect> effects = chain.stream().map(EffectInstance::effect).toList();
                try {
                    for (Effect e : effects) {
                        e.activate(DevSet.SAMPLE_RATE, Evaluation.BLOCK, 1);
                        active.add(e);
                    }
                } catch (IllegalStateException unavailable) {
                    throw new IOException("suppressor '" + s + "' is unavailable: " + unavailable.getMessage());
                }
                list.add(new Evaluation.Suppressor(s, effects));
            }
            ProgressBar progress = quiet ? null : ProgressBar.forTerminal(err);
            Report report;
            try {
                report = Evaluation.run(set, list, new Evaluation.Options(noiseTypes, snrs, voiceCount),
                        progress == null ? OfflineProcessor.Progress.NONE : progress);
            } finally {
                if (progress != null) {
                    progress.finish();
                }
            }
            print(report);
            if (check) {
                return check(report, withReference ? reference : null) ? 0 : EXIT_TARGET_MISSED;
            }
            return 0;
        } finally {
            active.forEach(Effect::deactivate);
            instances.forEach(EffectInstance::close);
        }
    }

    private void print(Report report) {
        List<Summary> sums = report.summaries();
        out.printf(Locale.ROOT, "vocana eval: %d mixtures, %.0f s of audio, 48 kHz mono, %d-frame blocks%n",
                report.mixtures(), report.audioSeconds(), Evaluation.BLOCK);
        out.println();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-9s %4s %20s", "noise", "SNR", "unprocessed"));
        for (Summary s : sums) {
            head.append(String.format(Locale.ROOT, "  %-20s", abbreviate(s.suppressor(), 20)));
        }
        out.println(head);
        StringBuilder sub = new StringBuilder(String.format(Locale.ROOT, "%-9s %4s %20s", "", "dB", "SI-SDR segSNR STOI"));
        for (int i = 0; i < sums.size(); i++) {
            sub.append("  dSISDR dsegSNR dSTOI");
        }
        out.println(sub);
        for (Evaluation.Baseline b : report.baselines()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9s %4.0f %6.1f %6.1f %6.3f",
                    b.noise(), b.snrDb(), b.siSdr(), b.segSnr(), b.stoi()));
            for (Summary s : sums) {
                Cell c = report.cells().stream().filter(x -> x.suppressor().equals(s.suppressor())
                        && x.noise().equals(b.noise()) && x.snrDb() == b.snrDb()).findFirst().orElseThrow();
                line.append(String.format(Locale.ROOT, "  %+6.2f %+7.2f %+6.3f", c.deltaSiSdr(), c.deltaSegSnr(), c.deltaStoi()));
            }
            out.println(line);
        }
        out.println();
        out.printf(Locale.ROOT, "%-28s %7s %8s %7s %14s %12s %9s %16s%n", "suppressor", "dSI-SDR", "dsegSNR", "dSTOI",
                "clean SI-SDR", "us per 10ms", "latency", "measured delay");
        for (Summary s : sums) {
            out.printf(Locale.ROOT, "%-28s %+7.2f %+8.2f %+7.3f %6.1f (min %4.1f) %12.1f %6.2f ms %16s%n",
                    abbreviate(s.suppressor(), 28), s.deltaSiSdr(), s.deltaSegSnr(), s.deltaStoi(), s.cleanSiSdr(),
                    s.cleanSiSdrMin(), s.microsPer10ms(), ms(s.reportedLatency()),
                    s.measuredLatencyMin() == s.measuredLatencyMax() ? s.measuredLatencyMin() + " frames"
                            : s.measuredLatencyMin() + ".." + s.measuredLatencyMax() + " frames");
        }
        out.println("(latency: reported by the suppressor, frames at 48 kHz in the last column as measured on every file;"
                + " cost: median over files, one core, this machine)");
    }

    private boolean check(Report report, String referenceName) {
        Summary ref = report.summaries().stream().filter(s -> s.suppressor().equals(referenceName)).findFirst().orElseThrow();
        boolean ok = true;
        for (Summary s : report.summaries()) {
            if (s == ref) {
                continue;
            }
            List<String> misses = new ArrayList<>();
            if (!(s.deltaSiSdr() >= ref.deltaSiSdr() + MARGIN_SI_SDR_DB)) {
                misses.add(String.format(Locale.ROOT, "mean dSI-SDR %.2f dB < reference %.2f + %.1f dB",
                        s.deltaSiSdr(), ref.deltaSiSdr(), MARGIN_SI_SDR_DB));
            }
            if (!(s.deltaStoi() >= ref.deltaStoi())) {
                misses.add(String.format(Locale.ROOT, "mean dSTOI %.3f < reference %.3f", s.deltaStoi(), ref.deltaStoi()));
            }
            if (!(s.cleanSiSdrMin() >= MIN_CLEAN_SI_SDR_DB)) {
                misses.add(String.format(Locale.ROOT, "clean SI-SDR %.1f dB < %.0f dB on one voice", s.cleanSiSdrMin(),
                        MIN_CLEAN_SI_SDR_DB));
            }
            if (ms(s.reportedLatency()) > MAX_LATENCY_MS) {
                misses.add(String.format(Locale.ROOT, "latency %.2f ms > %.0f ms", ms(s.reportedLatency()), MAX_LATENCY_MS));
            }
            if (s.measuredLatencyMin() != s.reportedLatency() || s.measuredLatencyMax() != s.reportedLatency()) {
                misses.add("measured delay " + s.measuredLatencyMin() + ".." + s.measuredLatencyMax()
                        + " frames != reported " + s.reportedLatency());
            }
            if (misses.isEmpty()) {
                out.println("vocana eval: check passed: " + s.suppressor() + " meets every target against " + referenceName);
            } else {
                ok = false;
                err.println("vocana eval: check failed: " + s.suppressor() + ": " + String.join("; ", misses));
            }
        }
        return ok;
    }

    private static double ms(int frames) {
        return frames * 1000.0 / DevSet.SAMPLE_RATE;
    }

    private static String abbreviate(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }
}
