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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.device.DeviceRuntime;
import org.vocana.host.device.DeviceSettings;
import org.vocana.host.device.DeviceStats;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.offline.OfflineProcessor;
import org.vocana.host.offline.OfflineProcessor.Summary;
import org.vocana.host.presets.PresetConfig;
import org.vocana.host.wav.TempFiles;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vocana demo}: streams the shipped example in real time through a virtual device running
 * the voice preset, with the C device simulator playing the audio server (it plays the file into
 * the device and records what comes back), prints live stats, and writes the processed file
 * aligned with the input. {@code --offline} renders the same chain as fast as possible instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Stream the shipped noisy speech example through a device with the voice preset.",
            "The device simulator plays the audio server's part, in real time, with live stats; the input and",
            "the result (aligned with it) are written side by side. --offline renders as fast as possible."})
final class DemoCommand implements Callable<Integer> {

    static final String EXAMPLE = "/examples/noisy-speech.wav";
    static final String PRESET = "voice";
    static final int IO_FRAMES = 128;
    /** The real-time demo's work folder next to the output: {@code .demo-PID-DIGITS}. */
    static final String DEMO_WORK_PREFIX = ".demo-";
    private static final java.util.regex.Pattern DEMO_WORK_REST = java.util.regex.Pattern.compile("-[0-9]+");

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "Folder for the input copy and the result (default: out/demo under the Vocana folder).")
    Path outputDir;

    @Option(names = "--offline", description = "Render as fast as possible (no device, no simulator).")
    boolean offline;

    private final EffectCatalog catalog;
    private final ConfigurationAdmin configurationAdmin;
    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(EffectCatalog catalog, ConfigurationAdmin configurationAdmin, PrintStream out, PrintStream err) {
        this.catalog = catalog;
        this.configurationAdmin = configurationAdmin;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, InterruptedException, InvalidSyntaxException {
        Path home = Path.of(System.getProperty("vocana.home", "."));
        Path dir = outputDir != null ? outputDir : home.resolve("out").resolve("demo");
        Files.createDirectories(dir);
        Path input = dir.resolve("noisy-speech.wav");
        Path output = dir.resolve("noisy-speech.processed.wav");
        // both are replaced: only regular files (a FIFO, device or link there is refused before any work)
        WavWriter.checkTarget(input);
        WavWriter.checkTarget(output);
        try (InputStream example = DemoCommand.class.getResourceAsStream(EXAMPLE)) {
            if (example == null) {
                throw new IOException("the shipped example " + EXAMPLE + " is missing from the host bundle");
            }
            Files.copy(example, input, StandardCopyOption.REPLACE_EXISTING);
        }
        ChainSpec spec = ChainSpec.parse(presetChain());
        Effects.awaitInstalled(catalog, spec);
        new ChainResolver(catalog).check(spec);
        if (offline) {
            return renderOffline(input, output, spec);
        }
        Path sim = home.resolve("hal-plugin").resolve("build").resolve("vocana-sim");
        if (!Files.isExecutable(sim)) {
            throw new IOException("the device simulator " + sim + " is not built; run './vocana build' (needs make and gcc)");
        }
        out.println("Streaming " + input.getFileName() + " in real time through a virtual device with the '" + PRESET
                + "' preset: " + spec);
        Streamed streamed = stream(sim, input, output, spec);
        out.println(streamed.stats().describe());
        out.println();
        out.println("Listen to the input and the result (aligned: the " + streamed.roundTrip()
                + "-frame round trip is taken out):");
        out.println("  " + input.toAbsolutePath().normalize());
        out.println("  " + output.toAbsolutePath().normalize());
        return 0;
    }

    /** The voice preset's chain, from Configuration Admin (its bundle delivers it at start-up). */
    private String presetChain() throws IOException, InvalidSyntaxException, InterruptedException {
        long deadline = System.nanoTime() + Effects.STARTUP_GRACE.toNanos();
        do {
            Configuration[] found = configurationAdmin.listConfigurations(
                    "(&(service.factoryPid=" + PresetConfig.PID + ")(name=" + PRESET + "))");
            if (found != null && found.length > 0) {
                Dictionary<String, Object> p = found[0].getProperties();
                if (p != null && p.get("chain") instanceof String chain) {
                    return chain;
                }
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new IOException("the '" + PRESET + "' preset is not installed (it comes with the preset-voice bundle)");
    }

    private int renderOffline(Path input, Path output, ChainSpec spec) throws IOException {
        ProgressBar progress = ProgressBar.forTerminal(err);
        Summary summary;
        try {
            summary = new OfflineProcessor(new ChainResolver(catalog)).process(input, output, spec, null, IO_FRAMES,
                    progress == null ? OfflineProcessor.Progress.NONE : progress);
        } finally {
            if (progress != null) {
                progress.finish();
            }
        }
        SummaryPrinter.print(out, input, output, spec, summary);
        return 0;
    }

    /** What a real-time demo run gives: the device's stats and the round trip taken out. */
    private record Streamed(DeviceStats stats, int roundTrip) {
    }

    /**
     * Runs the device and the simulator; writes {@code output} from the recording shifted by the
     * round trip (the simulator's read latency L of abi.h section 6, which it reports, plus the
     * chain latency) so that it lines up with the input.
     */
    private Streamed stream(Path sim, Path input, Path output, ChainSpec spec) throws IOException, InterruptedException {
        // the work folder is named after this process: a later demo removes it if this one is killed
        Path work = Files.createTempDirectory(output.getParent(), DEMO_WORK_PREFIX + TempFiles.pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        TempFiles.track(work); // removed on SIGINT/SIGTERM too
        TempFiles.removeStale(output.getParent(), DEMO_WORK_PREFIX, DEMO_WORK_REST, true, Files.getOwner(work));
        try {
            WavFormat format;
            long frames;
            try (WavReader r = WavReader.open(input)) {
                format = r.format();
                frames = r.frames();
            }
            DeviceSettings settings = new DeviceSettings("demo", "Vocana demo", format.sampleRate(), format.channels(),
                    IO_FRAMES, spec.toString(), Math.max(1, format.sampleRate() / 100), 300);
            // the simulator plays the input followed by enough silence to flush the round trip
            Path padded = work.resolve("play.wav");
            int tail = IO_FRAMES * 4 + format.sampleRate() / 10;
            copyPadded(input, padded, tail);
            Path recording = work.resolve("record.wav");
            DeviceStats stats;
            int latency;
            int roundTrip;
            try (DeviceRuntime device = new DeviceRuntime(settings, catalog, work.resolve("regions"), 300,
                    line -> err.println("vocana demo: device: " + line))) {
                latency = device.latencyFrames();
                Process p = new ProcessBuilder(sim.toString(), "--device", "demo", "--dir", work.resolve("regions").toString(),
                        "--io-frames", String.valueOf(IO_FRAMES), "--play", padded.toString(), "--record",
                        recording.toString(), "--quiet")
                        .redirectErrorStream(true).start();
                boolean tty = System.console() != null;
                long start = System.nanoTime();
                long lastLine = 0;
                while (!p.waitFor(250, TimeUnit.MILLISECONDS)) {
                    long now = System.nanoTime();
                    if (tty || now - lastLine >= 1_000_000_000L) {
                        lastLine = now;
                        err.print(live(device.stats(), (now - start) / 1e9) + (tty ? "\r" : "\n"));
                        err.flush();
                    }
                }
                if (tty) {
                    err.println();
                }
                Map<String, Long> report = report(new String(p.getInputStream().readAllBytes()));
                if (p.exitValue() != 0 && TempFiles.stopping()) {
                    // its files went with the work folder when this process was told to stop: not its fault
                    throw new IOException("stopped (SIGINT or SIGTERM); nothing written");
                }
                if (p.exitValue() != 0) {
                    throw new IOException("the device simulator failed (exit " + p.exitValue() + "): " + report);
                }
                stats = device.stats();
                Long readLatency = report.get("read_latency_frames");
                if (readLatency == null || readLatency <= 0) {
                    throw new IOException("the device simulator did not report its read latency: " + report);
                }
                roundTrip = (int) (readLatency + latency);
            }
            writeAligned(recording, output, roundTrip, frames);
            return new Streamed(stats, roundTrip);
        } finally {
            TempFiles.deleteTree(work);
            TempFiles.forget(work);
        }
    }

    private static String live(DeviceStats s, double seconds) {
        return String.format(Locale.ROOT, "  %5.1f s  %6d blocks  block time p99 %s max %s  device underruns %d  faults %d",
                seconds, s.blocks(), s.blockTime().count() == 0 ? "-" : org.vocana.host.engine.TimeSummary.micros(s.blockTime().p99()),
                s.blockTime().count() == 0 ? "-" : org.vocana.host.engine.TimeSummary.micros(s.blockTime().max()),
                s.fromHostUnderruns(), s.faults());
    }

    private static Map<String, Long> report(String text) {
        Map<String, Long> report = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.strip().split(" ");
            if (kv.length == 2 && kv[1].matches("-?\\d+")) {
                report.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        return report;
    }

    private static void copyPadded(Path in, Path out, int silence) throws IOException {
        try (WavReader r = WavReader.open(in)) {
            WavFormat f = new WavFormat(r.format().sampleRate(), r.format().channels(), org.vocana.host.wav.WavEncoding.FLOAT_32);
            float[][] buf = new float[f.channels()][4096];
            try (WavWriter w = WavWriter.create(out, f)) {
                for (int n; (n = r.read(buf, 4096)) > 0; ) {
                    w.write(buf, n);
                }
                float[][] zero = new float[f.channels()][silence];
                w.write(zero, silence);
                w.commit();
            }
        }
    }

    /** Writes {@code frames} frames of {@code recording} starting at {@code skip}, in the input's encoding. */
    private void writeAligned(Path recording, Path output, int skip, long frames) throws IOException {
        WavFormat format;
        try (WavReader r = WavReader.open(output.resolveSibling("noisy-speech.wav"))) {
            format = r.format();
        }
        try (WavReader r = WavReader.open(recording); WavWriter w = WavWriter.create(output, format)) {
            float[][] buf = new float[format.channels()][4096];
            long skipped = 0;
            while (skipped < skip) {
                int n = r.read(buf, (int) Math.min(4096, skip - skipped));
                if (n <= 0) {
                    throw new IOException("the recording is shorter than the round trip");
                }
                skipped += n;
            }
            long written = 0;
            while (written < frames) {
                int n = r.read(buf, (int) Math.min(4096, frames - written));
                if (n <= 0) {
                    throw new IOException("the recording lacks " + (frames - written) + " frames at the end");
                }
                w.write(buf, n);
                written += n;
            }
            w.commit();
        }
    }
}
