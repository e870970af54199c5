/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.control.ControlClient;
import org.vocana.host.testeffect.AudioSpinEffect;
import org.vocana.host.testeffect.BusyEffect;
import org.vocana.host.testeffect.TestBundles;
import org.vocana.host.testeffect.WarmUpSpinEffect;
import org.vocana.host.wav.WavReader;

/**
 * The watchdogs in the real host with the C simulator: an effect that hangs in its warm-up on
 * the control side, and one that spins on the audio thread, are abandoned with one line each while
 * the device streams on with its last good chain and the CLI answers; SIGTERM then removes every
 * region and the socket. And the audio watchdog judges by the audio thread's progress: 20
 * SIGSTOP/SIGCONT pauses of the host never remove a healthy, busy effect.
 */
class WatchdogIT {

    @TempDir
    Path dir;
    private HostHarness host;

    @AfterEach
    void stop() throws InterruptedException {
        if (host != null) {
            host.close();
        }
    }

    private void effects() throws Exception {
        TestBundles.effectsBundle(host.load().resolve("watchdog.jar"), "org.vocana.test.watchdog", "1.0.0",
                Map.of("test-spin-warm", WarmUpSpinEffect.class, "test-spin-audio", AudioSpinEffect.class,
                        "test-busy", BusyEffect.class));
    }

    @Test
    void hangsOnTheControlAndTheAudioThreadAreAbandonedTheCliAnswersAndSigtermRemovesEveryRegion() throws Exception {
        assertTrue(Files.isExecutable(HostHarness.SIM), "the simulator is built by the hal-plugin module: " + HostHarness.SIM);
        host = new HostHarness(dir);
        effects();
        host.device("w", "gain:gainDb=-6");
        host.device("other", "");
        host.start();
        assertTrue(host.awaitLog("device 'w' ready", 20_000) && host.awaitLog("device 'other' ready", 5_000), host.log());
        assertTrue(HostHarness.await(() -> Files.exists(host.regions().resolve("control.sock")), 5_000), host.log());
        Process sim = host.sim("w", "--tone", "1000:-20", "--seconds", "120");
        Thread.sleep(1_000);

        // how long a CLI command takes on a healthy host (mostly starting its JVM)
        long t = System.nanoTime();
        String[] chain = host.cli("chain", "w");
        long baseline = (System.nanoTime() - t) / 1_000_000;
        assertEquals("gain:gainDb=-6", chain[1]);

        // an effect whose warm-up never ends, inserted through the control socket (as the CLI does);
        // then stats back to back: the longest wait for an answer is how long the hang held the device
        Path sock = host.regions().resolve("control.sock");
        ControlClient.Response insert = ControlClient.send(sock, List.of("insert", "w", "end", "test-spin-warm"));
        assertEquals(0, insert.status(), insert.text());
        long longest = 0;
        long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end) {
            long asked = System.nanoTime();
            ControlClient.Response stats = ControlClient.send(sock, List.of("stats", "w"));
            assertEquals(0, stats.status(), stats.text());
            longest = Math.max(longest, (System.nanoTime() - asked) / 1_000_000);
        }
        assertTrue(host.awaitLog("stuck in warm-up", 3_000), host.log());
        String line = host.log().lines().filter(l -> l.contains("stuck in warm-up")).findFirst().orElseThrow();
        assertTrue(line.startsWith("vocana: device 'w': effect 'test-spin-warm' 1.0.0 (position 2) stuck in warm-up for ")
                && line.contains(" ms: abandoned its thread vocana-effects-w (now runs at nice 19); the device keeps its chain"
                + " gain;"), line);
        assertEquals(1, host.count("stuck in warm-up"), host.log());
        assertTrue(host.awaitLog(": chain 'gain:gainDb=-6,test-spin-warm': effect 'test-spin-warm' hung in warm-up (reported above);"
                + " the device keeps its chain gain:gainDb=-6; device 'w' keeps its last good settings", 2_000), host.log());
        System.out.println(String.format(Locale.ROOT, "WatchdogIT: a hang in warm-up held the device's control thread for at"
                + " most %d ms (the longest wait for a stats answer on the control socket; limit 1000 ms); a whole CLI command"
                + " on this host takes %d ms", longest, baseline));
        assertTrue(longest >= 900 && longest < 2_500, "the longest answer took " + longest + " ms");
        String[] after = host.cli("chain", "w");
        assertEquals("gain:gainDb=-6", after[1], "the last good chain");
        String[] other = host.cli("chain", "other");
        assertEquals("0", other[0], "another device answers too: " + other[1]);

        // an effect that spins on the audio thread 2 s after its activation: removed, audio resumes. The
        // configuration kept the refused edit (the device did not), so the new effect is third, after the
        // effect left out
        assertEquals(0, ControlClient.send(sock, List.of("insert", "w", "end", "test-spin-audio")).status());
        assertTrue(host.awaitLog("stalled the audio thread for ", 8_000), host.log());
        assertTrue(host.log().contains("vocana: device 'w': effect 'test-spin-audio' 1.0.0 (position 3) stalled the audio thread"
                + " for "), host.log());
        sim.destroy();
        assertTrue(sim.waitFor(10, TimeUnit.SECONDS));
        Path rec = dir.resolve("rec.wav");
        Map<String, Long> report = host.simReport("w", host.sim("w", "--tone", "1000:-20", "--record", rec.toString(),
                "--seconds", "2"));
        assertEquals(0L, report.get("exit"), "simulator: " + report);
        float[][] y;
        try (WavReader r = WavReader.open(rec)) {
            int frames = (int) r.frames();
            y = new float[2][frames];
            r.read(y, frames);
        }
        float[] last = java.util.Arrays.copyOfRange(y[0], 48_000, y[0].length - 4_800);
        assertEquals(-29.01, DeviceIT.medianLevelDb(last), 0.1, "audio resumed through the last good chain");

        // SIGTERM: the framework stops in order although two threads are stuck in effect code
        Path w = host.regions().resolve("w.vreg");
        Path o = host.regions().resolve("other.vreg");
        assertTrue(Files.exists(w) && Files.exists(o) && Files.exists(sock));
        host.process().destroy();
        assertTrue(host.process().waitFor(10, TimeUnit.SECONDS), "the host stopped on SIGTERM: " + host.log());
        assertFalse(Files.exists(w), "w.vreg removed");
        assertFalse(Files.exists(o), "other.vreg removed");
        assertFalse(Files.exists(sock), "control.sock removed");
        assertEquals(List.of(), host.stackTraces(), host.log() + host.out());
    }

    @Test
    void twentyStopsOfTheWholeHostNeverRemoveAHealthyEffect() throws Exception {
        assertTrue(Files.isExecutable(HostHarness.SIM), "the simulator is built by the hal-plugin module: " + HostHarness.SIM);
        host = new HostHarness(dir);
        effects();
        // test-busy takes 0.6 ms of every 2.67 ms block: a stop often lands while the audio thread is inside the chain
        host.device("s", "highpass,denoise,test-busy,limiter");
        host.start();
        assertTrue(host.awaitLog("device 's' ready", 20_000), host.log());
        Process sim = host.sim("s", "--tone", "440:-20", "--seconds", "60");
        Thread.sleep(3_000);
        int stops = 20;
        for (int i = 0; i < stops; i++) {
            host.signal("STOP");
            Thread.sleep(i == stops - 1 ? 10_000 : 1_000); // 19 stops of 1 s (over 3 times the 300 ms limit), one of 10 s
            host.signal("CONT");
            Thread.sleep(600);
        }
        Thread.sleep(1_000);
        String[] chain = host.cli("chain", "s");
        assertEquals("highpass,denoise,test-busy,limiter", chain[1], host.log());
        String[] stats = host.cli("stats", "s");
        assertTrue(stats[1].contains("stalls 0, faults 0"), stats[1] + "\n" + host.log());
        assertEquals(0, host.count("stalled the audio"), host.log());
        assertEquals(0, host.count("stuck in"), host.log());
        assertEquals(0, host.count("fault"), host.log());
        sim.destroy();
        sim.waitFor(10, TimeUnit.SECONDS);
        System.out.println("WatchdogIT: " + stops + " of " + stops + " SIGSTOP/SIGCONT pauses (19 x 1 s, 1 x 10 s) left the chain"
                + " whole: " + chain[1]);
    }
}
