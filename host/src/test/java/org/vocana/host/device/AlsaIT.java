/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * The whole product with applications nobody here wrote: the host runs a device with the voice
 * chain, ALSA's {@code aplay} plays into it through the Vocana ALSA plugin while {@code arecord}
 * records what comes back. The recording is the offline rendering of the same file (after
 * alignment by cross-correlation), 60 s go by without an xrun on either side, a second player
 * gets "busy", and {@code kill -9} of the host leaves both applications running (silence), with
 * processed audio again once the host is back.
 */
class AlsaIT extends AlsaTestBase {

    @Test
    void aplayThroughTheVoiceChainIsRecordedByArecordAsTheOfflineRenderingWithoutXruns() throws Exception {
        startHost();
        Thread.sleep(2_000); // the host's start-up work done: what it delivers late is dropped, by design
        Path input = longExample(60);
        int inputFrames;
        try (WavReader r = WavReader.open(input)) {
            inputFrames = (int) r.frames();
        }
        Path rec = dir.resolve("rec.wav");
        Process arecord = alsa("arecord.log", "arecord", "-D", "vocana", "-f", "FLOAT_LE", "-r", "48000", "-c", "2",
                "-d", String.valueOf(inputFrames / 48_000 + 3), rec.toString());
        Thread.sleep(300);
        Process aplay = alsa("aplay.log", "aplay", "-D", "vocana", input.toString());

        // a second player on the same device: busy, at once
        Process second = alsa("second.log", "aplay", "-D", "vocana", input.toString());
        assertTrue(second.waitFor(10, TimeUnit.SECONDS));
        assertNotEquals(0, second.exitValue());
        assertTrue(log(dir.resolve("second.log")).contains("in use by another stream"), log(dir.resolve("second.log")));

        assertTrue(aplay.waitFor(inputFrames / 48_000 + 20, TimeUnit.SECONDS), "aplay finished");
        assertEquals(0, aplay.exitValue(), log(dir.resolve("aplay.log")));
        assertTrue(arecord.waitFor(30, TimeUnit.SECONDS), "arecord finished");
        assertEquals(0, arecord.exitValue(), log(dir.resolve("arecord.log")));
        assertFalse(log(dir.resolve("aplay.log")).contains("underrun"), "no playback xrun in 60 s: " + log(dir.resolve("aplay.log")));
        assertFalse(log(dir.resolve("arecord.log")).contains("overrun"), "no capture xrun: " + log(dir.resolve("arecord.log")));

        // the same file offline, latency-compensated
        Path offline = dir.resolve("offline.wav");
        Process p = new ProcessBuilder(System.getProperty("vocana.java", "java"), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive",
                "-Dfelix.fileinstall.dir=" + dir.resolve("none"), "-jar", System.getProperty("vocana.jar"), "process",
                input.toString(), offline.toString(), "--chain", CHAIN, "--format", "float32", "--quiet")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        float[] x = readAll(offline)[0];
        float[][] y = readAll(rec);
        int lag = bestLag(x, y[0], 48_000);
        // after alignment the recording is the offline rendering: residual energy over 1 s..end-1 s
        double signal = 0;
        double error = 0;
        for (int c = 0; c < 2; c++) { // plug plays the mono file on both channels
            for (int i = 48_000; i < x.length - 48_000 && i + lag < y[c].length; i++) {
                signal += (double) x[i] * x[i];
                double e = y[c][i + lag] - x[i];
                error += e * e;
            }
        }
        double snr = 10 * Math.log10(signal / Math.max(error, 1e-30));
        System.out.printf("ALSA end to end: recording = offline rendering delayed %d frames (%.2f ms after arecord"
                + " started); residual %.1f dB below the signal%n", lag, lag / 48.0, snr);
        // 46.7 dB here; a device underrun on a loaded machine spoils a block and costs some (a CI run: 37);
        // a wrong or drifting alignment would leave the residual near 0 dB
        assertTrue(snr > 25, "the recording is the processed signal: residual only " + snr + " dB below it");
    }

    @Test
    void theRoundTripIsTheReadLatencyPlusTheChainLatencyWhateverThePeriod() throws Exception {
        startHost();
        Thread.sleep(3_000); // the host's start-up work (JIT, warm-up) done
        Path tool = PLUGIN.resolveSibling("alsa_latency");
        // abi.h section 6: capture reads a fixed L behind playback's clock, L = the playback's burst
        // (its IO thread's 2 ms tick: 96 frames) + the host's 128-frame block + the 5 ms margin
        // (240); the chain adds its 96 frames (the limiter's lookahead) in the signal. The period
        // does not enter: 1024- and 4096-frame periods give the same round trip. One run each, no
        // retry: a run with an xrun or an impulse off by more than the start's quantisation fails.
        long want = 96 + 128 + 240 + 96;
        for (String period : new String[] {"1024", "4096"}) {
            Process p = alsa("latency-" + period + ".log", tool.toString(), "vocana", "4", period, "1024".equals(period) ? "8" : "4");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            String out = log(dir.resolve("latency-" + period + ".log"));
            assertEquals(0, p.exitValue(), out);
            java.util.Map<String, Long> r = new java.util.HashMap<>();
            for (String line : out.split("\n")) {
                String[] kv = line.trim().split(" ");
                if (kv.length == 2 && kv[1].matches("-?\\d+")) {
                    r.put(kv[0], Long.parseLong(kv[1]));
                }
            }
            System.out.println("ALSA round trip at 48 kHz, " + period + "-frame periods: " + out.replace('\n', ' '));
            assertEquals(0, r.get("xruns"), out);
            assertTrue(r.get("impulses") >= 6, "every impulse came back: " + out);
            // the tool places the two streams by ALSA's trigger timestamps, which differ from the
            // plugin's own start times by the start callbacks' duration (it creates the IO thread):
            // +-8 frames (0.17 ms); within a run the round trip is stable
            assertTrue(r.get("latency_min") >= want - 8 && r.get("latency_max") <= want + 8
                    && r.get("latency_max") - r.get("latency_min") <= 1,
                    "round trip L + chain = " + want + " frames for every impulse: " + out);
        }
    }

    @Test
    void mmapAccessAndS32WorkAndAStalledRecorderGetsAnOverrunTheAlsaWay() throws Exception {
        startHost();
        Thread.sleep(2_000); // the host's start-up work done: what it delivers late is dropped, by design
        Path rec = dir.resolve("mmap.wav");
        Process arecord = alsa("arecord.log", "arecord", "-M", "-D", "vocana", "-f", "S32_LE", "-r", "48000", "-c", "2",
                "-d", "8", rec.toString());
        Process aplay = alsa("aplay.log", "aplay", "-M", "-D", "vocana", EXAMPLE.toString());
        assertTrue(aplay.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, aplay.exitValue(), log(dir.resolve("aplay.log")));
        // stop the recorder for a second: its buffer (at most half a second) overflows
        new ProcessBuilder("kill", "-STOP", String.valueOf(arecord.pid())).start().waitFor();
        Thread.sleep(1_000);
        new ProcessBuilder("kill", "-CONT", String.valueOf(arecord.pid())).start().waitFor();
        assertTrue(arecord.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, arecord.exitValue(), log(dir.resolve("arecord.log")));
        assertTrue(log(dir.resolve("arecord.log")).contains("overrun!!!"), "xrun reported: " + log(dir.resolve("arecord.log")));
        float[] y = readAll(rec)[0];
        double level = rms(y, 24_000, 5 * 48_000);
        StringBuilder perSecond = new StringBuilder();
        for (int sec = 0; sec + 1 <= y.length / 48_000; sec++) {
            perSecond.append(String.format(" %.4f", rms(y, sec * 48_000, (sec + 1) * 48_000)));
        }
        assertTrue(level > 0.01, "the example came through with MMAP access and S32: level " + level
                + ", per second" + perSecond + "; " + log(dir.resolve("arecord.log")) + log(dir.resolve("aplay.log")));
    }

    /** The lag (0..max) of y against x with the largest cross-correlation over the first 10 s. */
    static int bestLag(float[] x, float[] y, int max) {
        int n = Math.min(x.length, 480_000);
        int best = 0;
        double bestSum = Double.NEGATIVE_INFINITY;
        for (int lag = 0; lag < max; lag++) {
            double sum = 0;
            for (int i = 0; i < n && i + lag < y.length; i += 4) {
                sum += (double) x[i] * y[i + lag];
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = lag;
            }
        }
        // refine around the coarse best with every sample
        int coarse = best;
        bestSum = Double.NEGATIVE_INFINITY;
        for (int lag = Math.max(0, coarse - 8); lag < Math.min(max, coarse + 8); lag++) {
            double sum = 0;
            for (int i = 0; i < n && i + lag < y.length; i++) {
                sum += (double) x[i] * y[i + lag];
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = lag;
            }
        }
        return best;
    }

    @Test
    void killingTheHostLeavesTheApplicationsRunningOnSilenceAndTheyResumeWhenItIsBack() throws Exception {
        startHost();
        Thread.sleep(2_000); // the host's start-up work done (a loaded machine needs it)
        Path input = longExample(22);
        Path rec = dir.resolve("rec.wav");
        // the windows below are placed by when things happened, seen from arecord's start: a
        // loaded machine may take many seconds to start the second host
        long t0 = System.nanoTime();
        Process arecord = alsa("arecord.log", "arecord", "-D", "vocana", "-f", "FLOAT_LE", "-r", "48000", "-c", "2",
                "-d", "20", rec.toString());
        Process aplay = alsa("aplay.log", "aplay", "-D", "vocana", input.toString());
        Thread.sleep(4_000);
        host.destroyForcibly(); // kill -9
        host.waitFor(10, TimeUnit.SECONDS);
        double killed = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(3_000);
        assertTrue(aplay.isAlive() && arecord.isAlive(), "both applications run on without the host");
        startHost();
        double back = (System.nanoTime() - t0) / 1e9;
        assertTrue(back < 16.5, "the second host took until " + back + " s of the 20 s recording to start");
        assertTrue(arecord.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, arecord.exitValue(), log(dir.resolve("arecord.log")));
        assertTrue(aplay.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, aplay.exitValue(), "aplay never errors out: " + log(dir.resolve("aplay.log")));
        float[] y = readAll(rec)[0];
        assertEquals(20 * 48_000, y.length, "arecord got every frame of its 20 s");
        // the device gives up on a silent host after 1 s (the heartbeat limit) and re-attaches
        // within a quarter second of a new one
        double before = rms(y, 2 * 48_000, (int) ((killed - 0.5) * 48_000));
        double during = rms(y, (int) ((killed + 1.2) * 48_000), (int) ((killed + 2.8) * 48_000));
        double after = rms(y, (int) ((back + 1.0) * 48_000), (int) ((back + 3.0) * 48_000));
        String when = String.format(" (killed at %.1f s, back at %.1f s of the recording)", killed, back);
        assertTrue(before > 0.01, "processed audio before the kill: " + before + when + "; " + log(dir.resolve("arecord.log")));
        assertEquals(0.0, during, 1e-9, "silence while the host is gone" + when);
        assertTrue(after > 0.01, "processed audio again after the restart: " + after + when);
    }

}
