/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.cli.VocanaCliAccess;
import org.vocana.host.control.ControlClient;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * The ring and the file are the trust boundary: NaN, infinite and absurd samples coming in are
 * replaced by silence before the chain, reported once per episode, and never blamed on an effect.
 * With the real host and the C simulator playing NaN bursts into a device; and offline, one NaN
 * in a float WAV file.
 */
class BoundaryIT {

    @TempDir
    Path dir;

    /** A -6 dBFS 1 kHz stereo sine, 48 kHz float, with 10 ms bursts of {@code burst} at the given seconds. */
    static Path toneWithBursts(Path file, double seconds, float[] burst, double... at) throws Exception {
        int frames = (int) (48_000 * seconds);
        float[][] x = new float[2][frames];
        double amp = Math.pow(10, -6 / 20.0);
        for (int i = 0; i < frames; i++) {
            x[0][i] = x[1][i] = (float) (amp * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
        }
        for (double t : at) {
            int from = (int) (t * 48_000);
            for (int i = from; i < from + 480; i++) {
                x[0][i] = burst[i % burst.length];
                x[1][i] = burst[(i + 1) % burst.length];
            }
        }
        try (WavWriter w = WavWriter.create(file, new WavFormat(48_000, 2, WavEncoding.FLOAT_32))) {
            w.write(x, frames);
            w.commit();
        }
        return file;
    }

    static float[][] read(Path wav) throws Exception {
        try (WavReader r = WavReader.open(wav)) {
            int frames = (int) r.frames();
            float[][] y = new float[r.format().channels()][frames];
            int got = 0;
            while (got < frames) {
                float[][] chunk = new float[y.length][Math.min(4096, frames - got)];
                int n = r.read(chunk, chunk[0].length);
                for (int c = 0; c < y.length; c++) {
                    System.arraycopy(chunk[c], 0, y[c], got, n);
                }
                got += n;
            }
            return y;
        }
    }

    @Test
    void nanBurstsFromTheDeviceSideBecomeSilenceAndTheChainStaysWhole() throws Exception {
        try (HostRun host = new HostRun(dir)) {
            // +12 dB into a -1 dBFS limiter: a -6 dBFS tone comes out at the ceiling only while the limiter runs
            host.put("org.vocana.device-nan.cfg", "id=nan\nchain=highpass,gain:gainDb=12,limiter:ceilingDb=-1\n");
            host.start();
            assertTrue(host.awaitErr("device 'nan' ready", 20_000), host.err());
            Path play = toneWithBursts(dir.resolve("bursts.wav"), 3.0,
                    new float[] {Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, -1e30f, Float.NaN},
                    0.8, 1.4, 2.0);
            Path rec = dir.resolve("rec.wav");
            Map<String, Long> report = host.sim("nan", "--play", play.toString(), "--record", rec.toString());
            assertEquals(0L, report.get("exit"), "simulator " + report);

            float[][] y = read(rec);
            long nonFinite = 0;
            for (float[] ch : y) {
                for (float v : ch) {
                    nonFinite += Float.isFinite(v) ? 0 : 1;
                }
            }
            assertEquals(0, nonFinite, "samples that reached the recording application not finite");
            // after the last burst the whole chain is at work: +12 dB limited at -1 dBFS (0.891)
            double peak = 0;
            for (int i = (int) (2.4 * 48_000); i < (int) (2.9 * 48_000); i++) {
                peak = Math.max(peak, Math.max(Math.abs(y[0][i]), Math.abs(y[1][i])));
            }
            assertTrue(peak > 0.8 && peak < 0.9, "peak after the bursts " + peak + " (gain and limiter running)");

            assertTrue(host.await(() -> host.errLines("input from the device side").size() == 3, 3_000), host.err());
            for (String line : host.errLines("input from the device side")) {
                assertTrue(line.matches("vocana: device 'nan': input from the device side: 960 samples \\(NaN 640,"
                        + " infinite 160, beyond \\+-2\\^24 160\\) in \\d+ blocks? over about \\d+ ms were NaN, infinite or"
                        + " beyond \\+-2\\^24: replaced by silence before the chain \\(no effect saw them\\)"), line);
            }
            assertEquals(List.of(), host.errLines("fault"), "no effect is blamed: " + host.err());
            assertEquals(List.of(), host.errLines("the host's output"), host.err());

            ControlClient.Response stats = host.control("stats", "nan");
            assertEquals(0, stats.status(), stats.text());
            assertTrue(stats.text().contains("faults 0\n"), stats.text());
            assertTrue(stats.text().contains("samples replaced by silence (NaN, infinite, beyond +-2^24): to host 2880, from host 0"),
                    stats.text());
            for (String effect : List.of("1 highpass", "2 gain", "3 limiter")) {
                String line = stats.text().lines().filter(l -> l.contains(effect)).findFirst().orElse("missing " + effect);
                assertTrue(line.contains("faults 0") && !line.contains("disabled") && !line.contains("bypassed"), line);
            }
        }
    }

    @Test
    void oneNanSampleInAFloatFileIsReportedAndTheOutputIsFinite() throws Exception {
        Path in = dir.resolve("in.wav");
        int frames = 48_000;
        float[][] x = new float[1][frames];
        for (int i = 0; i < frames; i++) {
            x[0][i] = (float) (0.25 * Math.sin(2 * Math.PI * 440 * i / 48_000.0));
        }
        x[0][24_000] = Float.NaN;
        try (WavWriter w = WavWriter.create(in, new WavFormat(48_000, 1, WavEncoding.FLOAT_32))) {
            w.write(x, frames);
            w.commit();
        }
        Path out = dir.resolve("out.wav");
        VocanaCliAccess.Result r = VocanaCliAccess.vocana(dir, "process", in.toString(), out.toString(), "--chain",
                "highpass,gain:gainDb=6,limiter", "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("vocana process: warning: " + in + ": 1 sample (NaN 1) was NaN, infinite or beyond +-2^24"
                + " (the first at 0.500 s: frame 24000, channel 1); replaced by silence before the chain"), r.err().lines().toList());
        float[][] y = read(out);
        assertEquals(frames, y[0].length);
        double tail = 0;
        for (int i = 0; i < frames; i++) {
            assertTrue(Float.isFinite(y[0][i]), "output frame " + i + " is " + y[0][i]);
            if (i > 30_000) {
                tail = Math.max(tail, Math.abs(y[0][i]));
            }
        }
        // the chain kept running after the NaN: 0.25 +6 dB = 0.5, under the limiter's ceiling
        assertEquals(0.5, tail, 0.02, "peak of the second half");
    }
}
