/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.testeffect.LevelEffect;
import org.vocana.host.testeffect.TestBundles;
import org.vocana.host.wav.WavReader;

/**
 * An effect bundle updated 20 times in a row in the real host while the C simulator streams a
 * tone through it and records: half of the updates copy the new jar over the old one in place,
 * pausing in the middle of the write for longer than a poll (as a slow copy does), half rename a
 * complete jar into place. Every update ends with the new code running (the two versions differ
 * by 6 dB), no fault, no framework stack trace, and the recording has no gap and no click.
 */
class BundleUpdateIT {

    private static final int RATE = 48_000;
    private static final int UPDATES = 20;

    @TempDir
    Path dir;
    private HostHarness host;

    @AfterEach
    void stop() throws InterruptedException {
        if (host != null) {
            host.close();
        }
    }

    /** Writes {@code bytes} over {@code target} in place (truncate, write half, pause, write the rest), as cp does. */
    private static void copyInPlaceSlowly(byte[] bytes, Path target) throws Exception {
        try (OutputStream o = Files.newOutputStream(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.CREATE)) {
            o.write(bytes, 0, bytes.length / 2);
            o.flush();
            Thread.sleep(700); // longer than a poll: the host sees a jar cut short that stays so for a while
            o.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        }
    }

    @Test
    void twentyUpdatesWhileStreamingEndWithTheNewCodeRunningWithoutFaultsGapsOrClicks() throws Exception {
        assertTrue(Files.isExecutable(HostHarness.SIM), "the simulator is built by the hal-plugin module: " + HostHarness.SIM);
        host = new HostHarness(dir);
        // both versions have the same symbolic name and bundle version (a developer rebuilding): only the code differs
        Path a = TestBundles.effectsBundle(dir.resolve("level-a.jar"), "org.vocana.test.level", "1.0.0",
                Map.of("test-level", LevelEffect.A.class));
        Path b = TestBundles.effectsBundle(dir.resolve("level-b.jar"), "org.vocana.test.level", "1.0.0",
                Map.of("test-level", LevelEffect.B.class));
        byte[][] jars = {Files.readAllBytes(b), Files.readAllBytes(a)};
        Files.copy(a, host.load().resolve("level.jar"));
        host.device("up", "test-level");
        host.start();
        assertTrue(host.awaitLog("device 'up' ready", 20_000), host.log());
        // bundles from load/ start after the built-in ones: the device may start before test-level is there
        assertTrue(HostHarness.await(() -> !host.log().contains("not installed")
                || host.log().contains("installed effects changed: chain now test-level"), 10_000), host.log());
        int startUp = host.log().length();

        double seconds = 4 + UPDATES * 1.9;
        Path rec = dir.resolve("rec.wav");
        Process sim = host.sim("up", "--tone", "1000:-20", "--record", rec.toString(), "--seconds",
                String.format(Locale.ROOT, "%.1f", seconds));
        long simStart = System.nanoTime();
        Thread.sleep(1_500);
        // [start, end) windows (seconds from the simulator's start) in which one version must be running
        List<double[]> windows = new ArrayList<>();
        List<Double> gains = new ArrayList<>();
        double confirmed = 0;
        for (int i = 0; i < UPDATES; i++) {
            byte[] jar = jars[i % 2];
            double written = (System.nanoTime() - simStart) / 1e9;
            if (confirmed > 0) {
                windows.add(new double[] {confirmed + 0.15, written - 0.05});
            }
            if (i % 2 == 0) {
                copyInPlaceSlowly(jar, host.load().resolve("level.jar"));
            } else {
                Path part = host.load().resolve(".level.jar.part");
                Files.write(part, jar);
                Files.move(part, host.load().resolve("level.jar"), StandardCopyOption.ATOMIC_MOVE);
            }
            String version = i % 2 == 0 ? "2.0.0" : "1.0.0";
            int n = i + 1;
            assertTrue(HostHarness.await(() -> host.count("installed effects changed (updated 'test-level' ") == n, 8_000),
                    "update " + n + " reached the device: " + host.log());
            assertTrue(host.log().lines().filter(l -> l.contains("(updated 'test-level' ")).toList().get(i)
                    .contains("(updated 'test-level' " + version + ")"), host.log());
            confirmed = (System.nanoTime() - simStart) / 1e9;
            gains.add(i % 2 == 0 ? 0.25 : 0.5);
            Thread.sleep(600);
        }
        windows.add(new double[] {confirmed + 0.15, confirmed + 0.55});
        Map<String, Long> report = host.simReport("up", sim);
        assertEquals(0L, report.get("exit"), "simulator: " + report);

        // the host: 20 updates, nothing else went wrong
        assertEquals(UPDATES, host.count("installed effects changed (updated 'test-level' "), host.log());
        String sinceStartUp = host.log().substring(startUp);
        for (String word : new String[] {"fault", "threw", "not installed", "not started", "stalled the audio", "stuck in", "failed",
                "died", "ignored", "refused"}) {
            assertTrue(!sinceStartUp.contains(word), "'" + word + "' in the host's log: " + host.log());
        }
        assertEquals(List.of(), host.stackTraces(), "no stack trace or framework error: " + host.log() + host.out());
        String[] stats = host.cli("stats", "up");
        assertEquals("0", stats[0], stats[1]);
        assertTrue(stats[1].contains("stalls 0, faults 0"), stats[1]);

        // the recording: each update's code ran, and the stream has no gap and no click
        float[] x;
        try (WavReader r = WavReader.open(rec)) {
            int frames = (int) r.frames();
            float[][] y = new float[2][frames];
            assertEquals(frames, r.read(y, frames));
            x = y[0];
        }
        StringBuilder levels = new StringBuilder();
        for (int i = 0; i < windows.size(); i++) {
            int from = (int) (windows.get(i)[0] * RATE);
            int to = (int) Math.min(x.length, windows.get(i)[1] * RATE);
            assertTrue(to - from > 4_800, "window " + i + " of at least 100 ms: " + from + ".." + to);
            double level = DeviceIT.medianLevelDb(java.util.Arrays.copyOfRange(x, from, to));
            // a -20 dBFS sine has an RMS of -23.01 dBFS
            double expected = -23.01 + 20 * Math.log10(gains.get(i));
            levels.append(String.format(Locale.ROOT, " %.2f", level));
            assertEquals(expected, level, 0.1, "update " + (i + 1) + ": the new code runs (levels so far" + levels + ")");
        }
        int start = RATE; // the first second: the stream starts
        double maxStep = 0;
        int at = -1;
        int quiet = 0;
        int longestQuiet = 0;
        for (int i = start; i < x.length - RATE / 2; i++) {
            double step = Math.abs(x[i] - x[i - 1]);
            if (step > maxStep) {
                maxStep = step;
                at = i;
            }
            quiet = Math.abs(x[i]) < 1e-6 ? quiet + 1 : 0;
            longestQuiet = Math.max(longestQuiet, quiet);
        }
        // the steepest a 1 kHz sine of amplitude 0.1 x 0.5 moves per sample is 0.0065
        assertTrue(maxStep < 0.0085, "no click: largest sample step " + maxStep + " at frame " + at);
        assertTrue(longestQuiet < 8, "no gap: " + longestQuiet + " silent samples in a row");
        assertEquals(0L, report.get("underruns"), "the device never lacked audio: " + report);
        System.out.println("BundleUpdateIT: " + UPDATES + " updates, levels" + levels + " dB; largest sample step "
                + String.format(Locale.ROOT, "%.4f", maxStep) + ", longest silence " + longestQuiet + " samples; simulator " + report);
    }
}
