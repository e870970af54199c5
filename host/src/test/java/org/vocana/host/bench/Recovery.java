/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vocana.host.device.RecoveryRun;

/**
 * How fast the output comes back after the host was interrupted (issue 16's stall figures), with
 * the real host and aplay/arecord through the ALSA plugin: per run a fresh host whose chain is an
 * effect that spins after 6 s (the watchdog replaces the audio thread and removes the effect), then
 * SIGSTOPs of 0.35 s, 1 s and 3 s, 2.5 s apart, in one recording ({@link RecoveryRun}). For each
 * kind: the recovery (the loss on the recording beyond the interruption, i.e. the time from the host
 * running again to the first correct frame, less the 5 to 9.7 ms between the interruption and the
 * first frame it cost) median and max, and the frames lost; with the load average, since the
 * machine is shared.
 *
 * <p>{@code ./vocana bench recovery [RUNS]} (default 10); the work folders stay in
 * {@code host/target/bench-recovery} for a look at the recordings and the host's log.
 */
public final class Recovery {

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path plugin = Path.of("hal-plugin", "build", "alsa", "libasound_module_pcm_vocana.so").toAbsolutePath();
        Path jar = Path.of("host", "target", "vocana.jar").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (Path p : List.of(plugin, jar)) {
            if (!Files.exists(p)) {
                System.err.println("vocana bench recovery: " + p + " is missing (./vocana build)");
                System.exit(1);
            }
        }
        Path base = Files.createDirectories(Path.of("host", "target", "bench-recovery").toAbsolutePath());
        List<Double> stops = List.of(0.35, 1.0, 3.0);
        Map<String, List<RecoveryRun.Episode>> byKind = new LinkedHashMap<>();
        List<String> loads = new ArrayList<>();
        int failed = 0;
        System.out.printf("recovery bench: %d runs of: watchdog replacement (limit %d ms), SIGSTOP %s s; load average %s%n",
                runs, RecoveryRun.WATCHDOG_MS, stops, RecoveryRun.loadAverage());
        for (int i = 1; i <= runs; i++) {
            Path dir = base.resolve("run-" + i);
            if (Files.exists(dir)) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
            String load;
            RecoveryRun.Result r;
            try (RecoveryRun run = new RecoveryRun(dir, plugin, java, jar)) {
                run.startHost(true, 6);
                r = run.run(stops);
                load = RecoveryRun.loadAverage();
            }
            loads.add(load);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "run %2d (load %s): offset %d", i, load,
                    r.offset()));
            if (r.offset() != r.offsetBefore()) {
                line.append(" (").append(r.offsetBefore()).append(" before!)");
            }
            for (RecoveryRun.Episode e : r.episodes()) {
                byKind.computeIfAbsent(e.interruption().kind(), k -> new ArrayList<>()).add(e);
                line.append(String.format(Locale.ROOT, "; %s %s", e.interruption().kind(), e.start() < 0 ? "no loss found"
                        : String.format(Locale.ROOT, "%.1f ms, %d lost%s", e.recoveryMs(), e.lost(),
                                e.notSilent() == 0 ? "" : ", " + e.notSilent() + " NOT SILENT")));
            }
            for (long[] s : r.stray()) {
                line.append(String.format(Locale.ROOT, "; other loss at %.3f s: %d frames%s", s[0] / (double) RecoveryRun.RATE,
                        s[1], s[2] == 0 ? "" : " (" + s[2] + " not silent)"));
            }
            if (!r.problems().isEmpty()) {
                failed++;
                line.append("; PROBLEMS: ").append(String.join("; ", r.problems()));
            }
            System.out.println(line);
        }
        System.out.println("recovery = the loss on the recording beyond the interruption (ms); lost = frames of silence");
        System.out.printf("%-14s %5s %10s %10s %8s %10s %10s %14s%n", "interruption", "runs", "median ms", "max ms",
                "<=100ms", "lost med", "lost max", "interruption ms");
        for (Map.Entry<String, List<RecoveryRun.Episode>> k : byKind.entrySet()) {
            List<RecoveryRun.Episode> found = k.getValue().stream().filter(e -> e.start() >= 0).toList();
            double[] rec = found.stream().mapToDouble(RecoveryRun.Episode::recoveryMs).sorted().toArray();
            long[] lost = found.stream().mapToLong(RecoveryRun.Episode::lost).sorted().toArray();
            double[] len = found.stream().mapToDouble(RecoveryRun.Episode::interruptionMs).sorted().toArray();
            long within = found.stream().filter(e -> e.notSilent() == 0 && e.extentMs() <= e.allowedMs()).count();
            if (rec.length == 0) {
                System.out.printf("%-14s %5d  no loss found%n", k.getKey(), k.getValue().size());
                continue;
            }
            System.out.printf(Locale.ROOT, "%-14s %5d %10.1f %10.1f %8s %10d %10d %7.1f-%.1f%n", k.getKey(), rec.length,
                    median(rec), rec[rec.length - 1], within + "/" + k.getValue().size(), lost[lost.length / 2],
                    lost[lost.length - 1], len[0], len[len.length - 1]);
        }
        System.out.println("load average after each run: " + String.join(", ", loads));
        if (failed > 0) {
            System.out.println(failed + " run(s) had problems (above)");
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
