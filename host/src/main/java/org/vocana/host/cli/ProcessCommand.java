/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.offline.OfflineProcessor;
import org.vocana.host.offline.OfflineProcessor.Summary;
import org.vocana.host.wav.WavEncoding;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vocana process IN OUT --chain SPEC}: renders a WAV file through a chain. */
@Command(name = "process", mixinStandardHelpOptions = true,
        description = {"Process a WAV file through a chain of effects, block by block, as the real-time engine does.",
            "Reads 16/24/32-bit PCM and 32-bit float WAV, 1-8 channels, 8-192 kHz. The output has the input's",
            "length and timing (the chain's latency is compensated) and appears only when complete."})
final class ProcessCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Input WAV file (a regular file).")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT",
            description = "Output WAV file: a new path, or a regular file to replace (it keeps its mode).")
    Path output;

    @Option(names = {"-c", "--chain"}, paramLabel = "SPEC",
            description = {"Effects in order: id[:param=value...] joined by commas,",
                "e.g. highpass:cutoffHz=80,gain:gainDb=6,limiter:ceilingDb=-1 (see 'vocana effects'). Required."})
    String chain;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
            description = "Output encoding: pcm16, pcm24, pcm32 or float32 (default: the input's).")
    String format;

    @Option(names = {"-b", "--block"}, paramLabel = "FRAMES", defaultValue = "128",
            description = "Block size in frames, 1-8192 (default: ${DEFAULT-VALUE}, as a real-time device).")
    int block;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress and no summary.")
    boolean quiet;

    private final EffectCatalog catalog;
    private final PrintStream out;
    private final PrintStream err;

    ProcessCommand(EffectCatalog catalog, PrintStream out, PrintStream err) {
        this.catalog = catalog;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (chain == null) {
            // checked here rather than by picocli so that a mistyped option is reported as such first
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--chain=SPEC'");
        }
        ChainSpec chainSpec = ChainSpec.parse(chain);
        WavEncoding encoding = format == null ? null : WavEncoding.parse(format);
        if (block < 1 || block > OfflineProcessor.MAX_BLOCK) {
            throw new IllegalArgumentException("--block " + block + " is not supported: accepted 1.." + OfflineProcessor.MAX_BLOCK);
        }
        OfflineProcessor.checkFiles(input, output); // before any work: a FIFO, device or folder is refused
        Effects.awaitInstalled(catalog, chainSpec);
        OfflineProcessor processor = new OfflineProcessor(new ChainResolver(catalog));
        ProgressBar progress = quiet ? null : ProgressBar.forTerminal(err);
        Summary summary;
        try {
            summary = processor.process(input, output, chainSpec, encoding, block,
                    progress == null ? OfflineProcessor.Progress.NONE : progress);
        } finally {
            if (progress != null) {
                progress.finish();
            }
        }
        if (!quiet) {
            SummaryPrinter.print(out, input, output, chainSpec, summary);
        }
        for (var fault : summary.faults()) {
            err.println("vocana process: warning: effect '" + fault.effectId() + "' " + fault.label().version() + " (position "
                    + (fault.slot() + 1) + " in the chain) " + org.vocana.host.engine.FaultReports.reason(fault) + "; bypassed"
                    + (fault.disabled() ? " for the rest of the file" : " for 1 s") + " (fault " + fault.count() + ")");
        }
        OfflineProcessor.Replaced r = summary.replaced();
        if (r.total() > 0) {
            double at = (double) r.firstFrame() / summary.input().sampleRate();
            err.println(String.format(java.util.Locale.ROOT, "vocana process: warning: %s: %s %s NaN, infinite or beyond"
                            + " +-2^24 (the first at %.3f s: frame %d, channel %d); replaced by silence before the chain",
                    input, org.vocana.host.ring.SampleGuard.describe(r.nan(), r.infinite(), r.huge()), r.total() == 1 ? "was" : "were",
                    at, r.firstFrame(), r.firstChannel()));
        }
        if (summary.inputTruncated()) {
            err.println("vocana process: warning: " + input + " is truncated; processed the "
                    + summary.frames() + " complete frames it holds");
        }
        return 0;
    }
}
