/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.offline.OfflineProcessor;
import org.vocana.host.offline.OfflineProcessor.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vocana demo}: runs the voice chain over the shipped noisy speech example. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Process the shipped example (noisy speech with hum and rumble) through the voice chain",
            "and write the input and the result side by side."})
final class DemoCommand implements Callable<Integer> {

    /** The voice chain available so far: remove rumble, bring the voice up, keep peaks under -1 dBTP. */
    static final String VOICE_CHAIN = "highpass:cutoffHz=80:order=4,gain:gainDb=10,limiter:ceilingDb=-1";
    static final String EXAMPLE = "/examples/noisy-speech.wav";

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "Folder for the input copy and the result (default: out/demo under the Vocana folder).")
    Path outputDir;

    private final EffectCatalog catalog;
    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(EffectCatalog catalog, PrintStream out, PrintStream err) {
        this.catalog = catalog;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dir = outputDir != null ? outputDir
                : Path.of(System.getProperty("vocana.home", "."), "out", "demo");
        Files.createDirectories(dir);
        Path input = dir.resolve("noisy-speech.wav");
        try (InputStream example = DemoCommand.class.getResourceAsStream(EXAMPLE)) {
            if (example == null) {
                throw new IOException("the shipped example " + EXAMPLE + " is missing from the host bundle");
            }
            Files.copy(example, input, StandardCopyOption.REPLACE_EXISTING);
        }
        Path output = dir.resolve("noisy-speech.processed.wav");
        ChainSpec spec = ChainSpec.parse(VOICE_CHAIN);
        Effects.awaitInstalled(catalog, spec);
        ProgressBar progress = ProgressBar.forTerminal(err);
        Summary summary;
        try {
            summary = new OfflineProcessor(new ChainResolver(catalog)).process(input, output, spec, null, 128,
                    progress == null ? OfflineProcessor.Progress.NONE : progress);
        } finally {
            if (progress != null) {
                progress.finish();
            }
        }
        SummaryPrinter.print(out, input, output, spec, summary);
        out.println();
        out.println("Listen to the input and the result:");
        out.println("  " + input.toAbsolutePath().normalize());
        out.println("  " + output.toAbsolutePath().normalize());
        return 0;
    }
}
