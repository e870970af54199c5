/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.wav.WavReader;

/**
 * The real host ({@code vocana run}, the exported jar) with a device from a configuration file,
 * driven by the C device simulator playing the audio server: the region appears with the right
 * permissions, audio passes sample-exact through an empty chain, a chain edit in the file takes
 * effect while running, and deleting the file or stopping the host removes the region.
 */
class DeviceIT {

    private static final Path SIM = Path.of("..", "hal-plugin", "build", "vocana-sim").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Process host;

    @AfterEach
    void stopHost() throws InterruptedException {
        if (host != null && host.isAlive()) {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
            host.destroyForcibly();
        }
    }

    private Path runtimeDir() {
        return dir.resolve("xdg");
    }

    private Path regions() {
        return runtimeDir().resolve("vocana");
    }

    private void startHost(String... jvmOptions) throws IOException {
        Files.createDirectories(runtimeDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + dir.resolve("load")));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", System.getProperty("vocana.jar"), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("host.out").toFile()).redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", runtimeDir().toString());
        host = pb.start();
    }

    private void writeConfig(String chain) throws IOException {
        Files.createDirectories(dir.resolve("load"));
        Path tmp = dir.resolve("device.tmp");
        Files.writeString(tmp, "id=it\nname=Vocana IT\nsampleRate=48000\nchannels=2\nioFrames=128\nchain=" + chain + "\n");
        Files.move(tmp, dir.resolve("load/org.vocana.device-it.cfg"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean await(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** Runs the simulator against the device; returns its key/value report. */
    private Map<String, Long> sim(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SIM.toString(), "--device", "it", "--dir", regions().toString(), "--quiet"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("sim.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "simulator finished");
        Map<String, Long> report = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2) {
                report.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        report.put("exit", (long) p.exitValue());
        return report;
    }

    private boolean logContains(String text) {
        try {
            return hostLog().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private long logLines(String text) {
        try {
            return hostLog().lines().filter(l -> l.contains(text)).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private String hostLog() throws IOException {
        return Files.readString(dir.resolve("host.err"));
    }

    @Test
    void aConfiguredDevicePassesAudioThroughTheHostAndFollowsItsConfigurationFile() throws Exception {
        assertTrue(Files.isExecutable(SIM), "the simulator is built by the hal-plugin module: " + SIM);
        writeConfig("");
        startHost();
        Path region = regions().resolve("it.vreg");
        assertTrue(await(() -> Files.exists(region), 15_000), "region created; host log: " + hostLog());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(regions())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(region)));

        // sample-exact pass-through with the empty chain, paced in real time by the simulator
        Map<String, Long> seq = sim("--sequence", "--verify-sequence", "--seconds", "2");
        assertEquals(0L, seq.get("exit"), "simulator report " + seq);
        assertEquals(0L, seq.get("sequence_errors"), "no sample lost, duplicated or reordered: " + seq);
        assertTrue(seq.get("sequence_frames") > 90_000, "frames verified: " + seq);

        // as fast as the ring allows: 2 M frames through the host's audio thread, none lost
        Map<String, Long> fast = sim("--sequence", "--verify-sequence", "--fast", "--frames", "2000000");
        assertEquals(0L, fast.get("exit"), "simulator report " + fast);
        assertEquals(0L, fast.get("sequence_errors"), "fast transfer: " + fast);
        assertEquals(2_000_000L, fast.get("sequence_frames"), "fast transfer: " + fast);

        // a chain edit in the file reaches the running device without re-creating the region
        long created = Files.readAttributes(region, java.nio.file.attribute.BasicFileAttributes.class).fileKey().hashCode();
        writeConfig("gain:gainDb=-6");
        Thread.sleep(1_500);
        Path rec = dir.resolve("rec.wav");
        Map<String, Long> tone = sim("--tone", "1000:-20", "--record", rec.toString(), "--seconds", "1");
        assertEquals(0L, tone.get("exit"), "simulator report " + tone);
        float[][] y = new float[2][12_000];
        try (WavReader r = WavReader.open(rec)) {
            float[][] skip = new float[2][24_000];
            r.read(skip, 24_000);
            assertEquals(12_000, r.read(y, 12_000));
        }
        double rms = medianLevelDb(y[0]);
        // a -20 dBFS peak sine has an RMS of -23.01 dBFS; the chain takes 6 dB off
        assertEquals(-29.01, rms, 0.05, "level after the chain edit");
        assertEquals(created, Files.readAttributes(region, java.nio.file.attribute.BasicFileAttributes.class).fileKey().hashCode(),
                "same region (no restart)");

        // a format change re-creates the region: a new file (new generation) for one channel
        long stereoSize = Files.size(region);
        Files.writeString(dir.resolve("device.tmp"), "id=it\nname=Vocana IT\nsampleRate=48000\nchannels=1\nioFrames=128\nchain=\n");
        Files.move(dir.resolve("device.tmp"), dir.resolve("load/org.vocana.device-it.cfg"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertTrue(await(() -> {
            try {
                return Files.size(region) < stereoSize;
            } catch (IOException e) {
                return false;
            }
        }, 5_000), "region re-created for one channel; host log: " + hostLog());
        Map<String, Long> mono = sim("--sequence", "--verify-sequence", "--fast", "--frames", "200000");
        assertEquals(0L, mono.get("sequence_errors"), "mono device after the re-creation: " + mono);

        // deleting the configuration removes the device and its region
        Files.delete(dir.resolve("load/org.vocana.device-it.cfg"));
        assertTrue(await(() -> !Files.exists(region), 5_000), "region removed; host log: " + hostLog());

        // stopping the host (SIGTERM) stops the framework in order
        writeConfig("");
        assertTrue(await(() -> Files.exists(region), 5_000), "region back");
        host.destroy();
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        assertFalse(Files.exists(region), "SIGTERM removed the region");
    }

    /**
     * The region under attack while the simulator streams through it (issue 16: a device side never
     * crashes its client; issue 17: the host checks its own regions). Truncation is refused by the
     * memfd's seals, so the simulator's process lives on (a SIGBUS would end it with 135). A removed
     * name and a zeroed magic are noticed by the host's once-a-second self-check, which re-creates
     * the region; the simulator re-attaches each time and the sequence goes on without an error.
     */
    @Test
    void aRegionTruncatedRemovedOrDamagedUnderAStreamingDeviceNeverCrashesItAndTheHostRepairsIt() throws Exception {
        writeConfig("");
        startHost();
        Path region = regions().resolve("it.vreg");
        assertTrue(await(() -> Files.exists(region), 15_000), "region created; host log: " + hostLog());
        Process sim = new ProcessBuilder(SIM.toString(), "--device", "it", "--dir", regions().toString(),
                "--sequence", "--verify-sequence", "--seconds", "9").redirectError(dir.resolve("sim.err").toFile()).start();
        Thread.sleep(1_500);

        Process truncate = new ProcessBuilder("truncate", "-s", "0", region.toString()).redirectErrorStream(true).start();
        String why = new String(truncate.getInputStream().readAllBytes());
        assertEquals(1, truncate.waitFor(), "truncate(1) is refused: " + why);
        assertTrue(why.contains("Operation not permitted"), why);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(region, java.nio.file.StandardOpenOption.WRITE)) {
            assertEquals("Operation not permitted",
                    org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> ch.truncate(4096)).getMessage());
        }

        Files.delete(region);
        assertTrue(await(() -> logContains("its name was removed; re-created it with generation"), 2_500), hostLog());
        assertTrue(Files.exists(region));
        Thread.sleep(1_000);

        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(region, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(8), 0); // magic = 0
        }
        assertTrue(await(() -> logContains("damaged: magic is 0"), 2_500), "damage noticed; host log: " + hostLog());
        assertTrue(await(() -> logLines("re-created it with generation") == 2, 2_500), hostLog());

        String out = new String(sim.getInputStream().readAllBytes());
        assertTrue(sim.waitFor(20, TimeUnit.SECONDS));
        String simErr = Files.readString(dir.resolve("sim.err"));
        assertEquals(0, sim.exitValue(), "the simulator lives on (135 would be SIGBUS): " + out + simErr);
        assertTrue(out.contains("sequence_errors 0"), out);
        assertEquals(3, simErr.lines().filter(l -> l.contains("attached to")).count(), simErr);
        assertTrue(Files.isSymbolicLink(region));
        host.destroy();
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        assertFalse(Files.exists(region, java.nio.file.LinkOption.NOFOLLOW_LINKS), "SIGTERM removed the region");
    }

    /**
     * macOS's transport, on Linux: the host publishes the region as the shared-memory object
     * /vocana.<id> (glibc keeps it in /dev/shm) and the simulator attaches by name, as the HAL
     * driver does; every sample passes both ways, and SIGTERM removes the object.
     */
    @Test
    void overTheSharedMemoryTransportEverySamplePassesAndStoppingRemovesTheObject() throws Exception {
        assertTrue(Files.isExecutable(SIM), "the simulator is built by the hal-plugin module: " + SIM);
        String id = "it" + ProcessHandle.current().pid();
        Path object = Path.of("/dev/shm/vocana." + id);
        Files.createDirectories(dir.resolve("load"));
        Files.writeString(dir.resolve("load/org.vocana.device-shm.cfg"),
                "id=" + id + "\nname=Vocana IT\nsampleRate=48000\nchannels=2\nioFrames=128\nchain=\n");
        startHost("-Dvocana.region.transport=shm");
        try {
            assertTrue(await(() -> Files.exists(object), 15_000), "object created; host log: " + hostLog());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(object)));
            assertTrue(await(() -> logContains("ready: shm:/vocana." + id), 5_000), "the host names the object: " + hostLog());
            List<String> cmd = List.of(SIM.toString(), "--device", id, "--shm", "--quiet", "--sequence",
                    "--verify-sequence", "--fast", "--frames", "500000");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("sequence_errors 0"), out);
            assertTrue(out.contains("sequence_frames 500000"), out);
            host.destroy();
            assertTrue(host.waitFor(10, TimeUnit.SECONDS));
            assertFalse(Files.exists(object), "SIGTERM removed the object");
        } finally {
            Files.deleteIfExists(object);
        }
    }

    @Test
    void withNoDeviceConfiguredTheHostRunsTheDefaultStereoDevice() throws Exception {
        Files.createDirectories(dir.resolve("load"));
        startHost();
        Path region = regions().resolve("vocana.vreg");
        assertTrue(await(() -> Files.exists(region), 15_000), "default region created; host log: " + hostLog());
        assertTrue(hostLog().contains("running the default device 'vocana' (stereo, 48 kHz)"), hostLog());
        List<String> cmd = List.of(SIM.toString(), "--device", "vocana", "--dir", regions().toString(), "--quiet",
                "--sequence", "--verify-sequence", "--fast", "--frames", "100000");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("sequence_errors 0"), out);
    }

    /** Runs {@code vocana ARGS} (a one-shot command against the running host); returns exit code and output. */
    private String[] cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + dir.resolve("cli-load"),
                "-jar", System.getProperty("vocana.jar")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", runtimeDir().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void theCliControlsTheRunningHostThroughItsControlSocket() throws Exception {
        writeConfig("highpass,gain:gainDb=-6,limiter");
        startHost();
        Path region = regions().resolve("it.vreg");
        assertTrue(await(() -> Files.exists(region), 15_000), "region created; host log: " + hostLog());
        assertTrue(await(() -> Files.exists(regions().resolve("control.sock")), 5_000), "control socket; " + hostLog());

        String[] devices = cli("devices");
        assertEquals("0", devices[0], devices[1]);
        assertTrue(devices[1].startsWith("it  48000 Hz, 2 ch, 128-frame blocks, latency 96 frames"), devices[1]);

        assertEquals("0", cli("set", "it", "gain", "gainDb=3")[0]);
        assertTrue(await(() -> {
            try {
                return cli("chain", "it")[1].equals("highpass,gain:gainDb=3,limiter");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, 5_000), "the edit reached the device");

        String[] bad = cli("remove", "it", "9");
        assertEquals("2", bad[0], bad[1]);
        assertEquals("vocana remove: position '9' is out of range: accepted 1..3", bad[1]);

        // presets: the built-in voice preset; a preset bundle dropped into load/ adds its own
        assertTrue(cli("presets")[1].startsWith("voice "), "built-in preset");
        Path studio = Path.of(System.getProperty("vocana.bundles"), "preset-studio", "target",
                "vocana-preset-studio-" + System.getProperty("vocana.version") + ".jar");
        Files.copy(studio, dir.resolve("load/studio.jar"));
        assertTrue(await(() -> {
            try {
                return cli("presets")[1].contains("broadcast ");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, 10_000), "presets of the dropped bundle; host log: " + hostLog());
        String[] applied = cli("preset", "it", "broadcast");
        assertEquals("0", applied[0], applied[1]);
        assertTrue(await(() -> {
            try {
                return cli("chain", "it")[1].equals("highpass:cutoffHz=100:order=4,gain:gainDb=8,limiter:ceilingDb=-2");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, 5_000), "preset applied");
        Files.delete(dir.resolve("load/studio.jar"));
        assertTrue(await(() -> {
            try {
                return !cli("presets")[1].contains("broadcast");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }, 10_000), "presets gone with their bundle");

        Map<String, Long> seq = sim("--tone", "1000:-20", "--seconds", "1");
        assertEquals(0L, seq.get("exit"), "simulator report " + seq);
        String[] stats = cli("stats", "it");
        assertEquals("0", stats[0], stats[1]);
        assertTrue(stats[1].matches("(?s)it: \\d+ blocks, block time p50 .*device underruns \\d+.*1 highpass .*3 limiter .*"),
                stats[1]);

        String[] second = cli("run");
        assertEquals("1", second[0]);
        assertTrue(second[1].startsWith("vocana run: another Vocana host is running (it answers on "), second[1]);

        host.destroy();
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        String[] none = cli("devices");
        assertEquals("1", none[0]);
        assertTrue(none[1].startsWith("vocana devices: no Vocana host is running (no control socket "), none[1]);
    }

    /**
     * The level of a steady tone in dBFS RMS: the median over 10 ms windows, so that what is
     * measured is the gain the chain applies, not an isolated scheduling dropout on a busy machine
     * (dropouts are the soak test's subject).
     */
    static double medianLevelDb(float[] x) {
        int window = 480;
        double[] levels = new double[x.length / window];
        for (int w = 0; w < levels.length; w++) {
            double sum = 0;
            for (int i = w * window; i < (w + 1) * window; i++) {
                sum += (double) x[i] * x[i];
            }
            levels[w] = 10 * Math.log10(sum / window);
        }
        java.util.Arrays.sort(levels);
        return levels[levels.length / 2];
    }
}
