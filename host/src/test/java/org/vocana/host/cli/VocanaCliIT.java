/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.wav.WavEncoding;
import org.vocana.sdk.testing.TruePeakMeter;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * End-to-end tests of the exported executable jar: each test boots the real Felix framework with
 * the real bundles in a child JVM, as a user's {@code ./vocana} does.
 */
class VocanaCliIT {

    private static final String SPEC = "highpass:cutoffHz=80,gain:gainDb=6,limiter:ceilingDb=-1";

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Result vocana(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"),
                "-XX:+UseZGC", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + cwd.resolve("load"),
                "-Dvocana.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-jar", System.getProperty("vocana.jar")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectOutput(cwd.resolve(".stdout").toFile())
                .redirectError(cwd.resolve(".stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vocana " + String.join(" ", args) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), Files.readString(cwd.resolve(".stdout"), StandardCharsets.UTF_8),
                Files.readString(cwd.resolve(".stderr"), StandardCharsets.UTF_8));
    }

    Result vocana(String... args) throws IOException, InterruptedException {
        return vocana(dir, args);
    }

    /** A sine on every channel (phase offset per channel) at the given peak level. */
    static Path sineFile(Path path, WavFormat format, double freq, double peakDb, double seconds) throws IOException {
        int frames = (int) (format.sampleRate() * seconds);
        double amp = Math.pow(10, peakDb / 20);
        float[][] block = new float[format.channels()][1024];
        try (WavWriter w = WavWriter.create(path, format)) {
            for (int start = 0; start < frames; start += 1024) {
                int n = Math.min(1024, frames - start);
                for (int c = 0; c < format.channels(); c++) {
                    for (int i = 0; i < n; i++) {
                        block[c][i] = (float) (amp * Math.sin(2 * Math.PI * freq * (start + i) / format.sampleRate() + c * 0.7));
                    }
                }
                w.write(block, n);
            }
            w.commit();
        }
        return path;
    }

    static float[][] readAll(Path path) throws IOException {
        try (WavReader r = WavReader.open(path)) {
            int frames = (int) r.frames();
            float[][] all = new float[r.format().channels()][frames];
            float[][] block = new float[r.format().channels()][4096];
            int pos = 0;
            for (int n; (n = r.read(block, 4096)) > 0; pos += n) {
                for (int c = 0; c < all.length; c++) {
                    System.arraycopy(block[c], 0, all[c], pos, n);
                }
            }
            assertEquals(frames, pos);
            return all;
        }
    }

    static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) x[i] * x[i];
        }
        return Math.sqrt(s / (to - from));
    }

    @Test
    void processAppliesTheChainsGainToAStereo24Bit441File() throws Exception {
        WavFormat format = new WavFormat(44_100, 2, WavEncoding.PCM_24);
        Path in = sineFile(dir.resolve("quiet.wav"), format, 1000, -20, 2.0);
        Path out = dir.resolve("quiet-out.wav");
        Result r = vocana("process", in.toString(), out.toString(), "--chain", SPEC);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("speed"), r.out());
        try (WavReader reader = WavReader.open(out)) {
            assertEquals(format, reader.format());
            assertEquals(2 * 44_100, reader.frames(), "same length as the input");
        }
        float[][] x = readAll(in);
        float[][] y = readAll(out);
        for (int c = 0; c < 2; c++) {
            double gainDb = 20 * Math.log10(rms(y[c], 22_050, 66_150) / rms(x[c], 22_050, 66_150));
            assertEquals(6.0, gainDb, 0.05, "channel " + c);
            // latency is compensated: output is aligned with the input (phase matches)
            double corr = 0;
            for (int i = 22_050; i < 66_150; i++) {
                corr += (double) x[c][i] * y[c][i];
            }
            assertTrue(corr / (rms(x[c], 22_050, 66_150) * rms(y[c], 22_050, 66_150) * 44_100) > 0.99, "aligned");
        }
    }

    @Test
    void processKeepsTheTruePeakAtOrBelowTheCeiling() throws Exception {
        WavFormat format = new WavFormat(44_100, 2, WavEncoding.PCM_24);
        // 0 dBFS samples at fs/4 with a 45 degree phase hide an inter-sample peak; +6 dB gain drives the limiter hard
        Path in = dir.resolve("loud.wav");
        int frames = 44_100;
        float[][] block = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            block[0][i] = (float) (0.999 * Math.sin(Math.PI / 2 * i + Math.PI / 4) / Math.sin(Math.PI / 4) * Math.sqrt(0.5));
            block[1][i] = (i / 50) % 2 == 0 ? 0.99f : -0.99f;
        }
        try (WavWriter w = WavWriter.create(in, format)) {
            w.write(block, frames);
            w.commit();
        }
        Path out = dir.resolve("loud-out.wav");
        Result r = vocana("process", in.toString(), out.toString(), "--chain", SPEC);
        assertEquals(0, r.exit(), r.err());
        float[][] y = readAll(out);
        double tp = TruePeakMeter.toDb(TruePeakMeter.bs1770Style().peak(y));
        assertTrue(tp <= -1.0, "true peak " + tp + " dBTP (BS.1770-4 4x meter) above the -1 dBTP ceiling");
        double fine = TruePeakMeter.toDb(TruePeakMeter.fine().peak(y));
        assertTrue(fine <= -1.0, "true peak " + fine + " dBTP (32x reference meter) above the -1 dBTP ceiling");
        assertTrue(tp > -2.0, "limiter does not over-attenuate: " + tp);
    }

    @Test
    void effectsListsTheBuiltInsWithRangesAndDefaults() throws Exception {
        Result r = vocana("effects");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("gain  Gain"), r.out());
        assertTrue(r.out().contains("gainDb       -60..24 dB"), r.out());
        assertTrue(r.out().contains("limiter"), r.out());
        assertTrue(r.out().contains("highpass"), r.out());
        assertTrue(r.out().contains("cutoffHz"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void demoStreamsTheExampleInRealTimeAndMatchesTheOfflineRendering() throws Exception {
        Result o = vocana("demo", "--offline", "--output", dir.resolve("offline").toString());
        assertEquals(0, o.exit(), o.err());
        float[][] x = readAll(dir.resolve("offline/noisy-speech.processed.wav"));
        // the same chain offline: after the first chain's fade-in (10 ms) the real-time result is the
        // same signal, sample for sample (same blocks, same latency compensation). One device underrun
        // is expected (the simulator attaches before the host's first block). In a run that a busy
        // machine disturbed further (deadline misses, more underruns) the blocks around each dropout
        // differ (a late block is dropped, not delayed), and the stateful noise suppressor carries that
        // a little further: the alignment must hold all the same, so the result correlates best with
        // the offline rendering at lag 0. One run, judged either way: no retry.
        Path out = dir.resolve("demo");
        Result r = vocana("demo", "--output", out.toString());
        assertEquals(0, r.exit(), r.err());
        Path processed = out.resolve("noisy-speech.processed.wav");
        assertTrue(Files.exists(processed), r.out());
        assertTrue(r.out().contains(processed.toString()), r.out());
        assertTrue(r.err().contains(" blocks  block time p99 "), "live stats: " + r.err());
        float[][] y = readAll(processed);
        assertTrue(TruePeakMeter.toDb(TruePeakMeter.bs1770Style().peak(y)) <= -1.0);
        assertEquals(x[0].length, y[0].length, "same length as the input");
        long differing = 0;
        long compared = 0;
        for (int c = 0; c < x.length; c++) {
            for (int i = 480; i < x[c].length; i++, compared++) {
                if (Math.abs(x[c][i] - y[c][i]) > 1.0 / 32768) {
                    differing++;
                }
            }
        }
        String report = "real time vs offline: " + differing + " of " + compared + " samples differ; " + r.out();
        boolean disturbed = count(r.out(), "deadline misses (\\d+)") > 0 || count(r.out(), "overloads (\\d+)") > 0
                || count(r.out(), "device underruns (\\d+)") > 1;
        if (!disturbed) {
            assertTrue(differing <= compared / 50, "an undisturbed real-time run must match the offline rendering: " + report);
        } else {
            System.out.println("demo: a disturbed run: " + report);
        }
        assertEquals(0, bestLag(x, y, 480, 256), "aligned with the offline rendering: " + report);
    }

    /** The lag in -range..range at which y correlates best with x (summed over channels), from frame {@code from}. */
    static int bestLag(float[][] x, float[][] y, int from, int range) {
        int best = 0;
        double bestSum = Double.NEGATIVE_INFINITY;
        for (int lag = -range; lag <= range; lag++) {
            double sum = 0;
            for (int c = 0; c < x.length; c++) {
                int n = Math.min(x[c].length, y[c].length) - range;
                for (int i = from + range; i < n; i++) {
                    sum += (double) x[c][i] * y[c][i + lag];
                }
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = lag;
            }
        }
        return best;
    }

    private static long count(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Runs a failing command: exactly one line on stderr containing {@code expected}, non-zero exit, no output file. */
    void assertFails(int exit, String expected, String... args) throws Exception {
        Result r = vocana(args);
        assertEquals(exit, r.exit(), "exit code of " + String.join(" ", args) + "; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
        assertTrue(r.err().contains(expected), "stderr '" + r.err().strip() + "' should contain '" + expected + "'");
        assertFalse(Files.exists(dir.resolve("out.wav")), "no output file");
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void badInputsGetOneLineErrorsAndNoOutput() throws Exception {
        Path good = sineFile(dir.resolve("good.wav"), new WavFormat(48_000, 1, WavEncoding.PCM_16), 440, -12, 0.2);
        String out = dir.resolve("out.wav").toString();
        Path text = Files.writeString(dir.resolve("notes.wav"), "these are not audio samples, just text\n");
        Path truncated = dir.resolve("truncated.wav");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(good), 30));
        Path eightBit = dir.resolve("eight.wav");
        byte[] bytes = Files.readAllBytes(good);
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(34, (short) 8).putShort(32, (short) 1)
                .putInt(28, 48_000);
        Files.write(eightBit, bytes);

        assertFails(1, "not a WAV file", "process", text.toString(), out, "--chain", "gain");
        assertFails(1, "truncated", "process", truncated.toString(), out, "--chain", "gain");
        assertFails(1, "8-bit PCM", "process", eightBit.toString(), out, "--chain", "gain");
        assertFails(1, "no such file", "process", dir.resolve("missing.wav").toString(), out, "--chain", "gain");
        assertFails(2, "unknown effect 'gian'; installed effects: denoise, denoise-speex, gain, highpass, limiter",
                "process", good.toString(), out, "--chain", "gian");
        assertFails(2, "effect 'gain' has no parameter 'db'; its parameters: gainDb, mute",
                "process", good.toString(), out, "--chain", "gain:db=3");
        assertFails(2, "gain: gainDb=99 is out of range: accepted -60..24 dB",
                "process", good.toString(), out, "--chain", "gain:gainDb=99");
        assertFails(2, "malformed chain spec", "process", good.toString(), out, "--chain", "gain:gainDb");
        assertFails(2, "Missing required option: '--chain=SPEC'", "process", good.toString(), out);
        assertFails(2, "--format 'mp3' is not supported; accepted:", "process", good.toString(), out, "--chain", "gain", "--format", "mp3");
        assertFails(1, dir.resolve("no/such/dir/out.wav").toString(),
                "process", good.toString(), dir.resolve("no/such/dir/out.wav").toString(), "--chain", "gain");
        assertFails(1, dir.toString(), "process", good.toString(), dir.toString(), "--chain", "gain");
        assertFails(2, "Unknown options: '--chian'", "process", good.toString(), out, "--chian", "gain");
        assertFails(2, "missing command", new String[0]);
    }
}
