/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;
import org.vocana.host.wav.WavWriter;

/**
 * What the ALSA integration tests share: a private HOME whose {@code .asoundrc} loads the built
 * plugin, a private runtime folder, the host started as {@code ./vocana run} would start it (device
 * 'vocana' with {@link #chain()}), applications launched with that environment, and WAV helpers.
 */
abstract class AlsaTestBase {

    static final Path PLUGIN = Path.of("..", "hal-plugin", "build", "alsa", "libasound_module_pcm_vocana.so")
            .toAbsolutePath().normalize();
    static final Path EXAMPLE = Path.of("src", "main", "resources", "examples", "noisy-speech.wav")
            .toAbsolutePath();
    static final String CHAIN = "highpass:cutoffHz=80:order=4,gain:gainDb=10,limiter:ceilingDb=-1";

    /** The device's chain; the voice-like {@link #CHAIN} unless a test says otherwise. */
    String chain() {
        return CHAIN;
    }

    @TempDir
    Path dir;
    Process host;
    final List<Process> apps = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assertTrue(Files.exists(PLUGIN), "the ALSA plugin is built by the hal-plugin module (needs libasound2-dev): " + PLUGIN);
        Files.createDirectories(dir.resolve("home"));
        Files.writeString(dir.resolve("home/.asoundrc"), """
                pcm_type.vocana { lib "%s" }
                pcm.vocana {
                    @args [ DEVICE ]
                    @args.DEVICE { type string default "vocana" }
                    type plug
                    slave.pcm { type vocana device $DEVICE }
                    hint { show on description "Vocana virtual device" }
                }
                """.formatted(PLUGIN));
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(dir.resolve("load"));
        Files.writeString(dir.resolve("load/org.vocana.device-vocana.cfg"), "id=vocana\nchain=" + chain() + "\n");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : apps) {
            p.destroyForcibly();
        }
        if (host != null && host.isAlive()) {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
            host.destroyForcibly();
        }
    }

    void startHost() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive",
                "-Dfelix.fileinstall.dir=" + dir.resolve("load"), "-jar", System.getProperty("vocana.jar"), "run")
                .directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("host.out").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("host.err").toFile()));
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
        long end = System.nanoTime() + 30_000_000_000L; // a loaded machine starts a JVM slowly
        while (System.nanoTime() < end && !(Files.exists(dir.resolve("host.err"))
                && Files.readString(dir.resolve("host.err")).split("device 'vocana' ready", -1).length > starts + 1)) {
            Thread.sleep(20);
        }
        starts++;
        assertTrue(Files.readString(dir.resolve("host.err")).split("device 'vocana' ready", -1).length > starts,
                "host started: " + Files.readString(dir.resolve("host.err")));
    }

    int starts;

    Process alsa(String log, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
        pb.environment().put("HOME", dir.resolve("home").toString());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        Process p = pb.start();
        apps.add(p);
        return p;
    }

    /** The example repeated to about {@code seconds} s, as a 16-bit mono file (what aplay gets). */
    Path longExample(int seconds) throws IOException {
        float[][] x = readAll(EXAMPLE);
        Path out = dir.resolve("long.wav");
        try (WavWriter w = WavWriter.create(out, new WavFormat(48_000, 1, WavEncoding.PCM_16))) {
            for (long written = 0; written < seconds * 48_000L; written += x[0].length) {
                w.write(x, x[0].length);
            }
            w.commit();
        }
        return out;
    }

    static String log(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    static float[][] readAll(Path path) throws IOException {
        try (WavReader r = WavReader.open(path)) {
            int frames = (int) r.frames();
            float[][] all = new float[r.format().channels()][frames];
            float[][] block = new float[all.length][4096];
            int pos = 0;
            for (int n; (n = r.read(block, 4096)) > 0; pos += n) {
                for (int c = 0; c < all.length; c++) {
                    System.arraycopy(block[c], 0, all[c], pos, n);
                }
            }
            return all;
        }
    }

    static double rms(float[] y, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) y[i] * y[i];
        }
        return Math.sqrt(s / (to - from));
    }
}
