/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.testeffect.HalfEffect;
import org.vocana.host.wav.WavReader;

/**
 * An effect bundle hot-loaded into and removed from a running host while a device streams: a
 * device whose chain names the effect before it is installed passes audio through; dropping the
 * bundle into {@code load/} puts the effect in the running chain within about a second; deleting
 * it takes the effect out again, and the stream goes on throughout.
 */
class HotLoadIT {

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

    private Path effectBundle() throws IOException {
        return org.vocana.host.testeffect.TestBundles.effectBundle(dir.resolve("half.jar"), "org.vocana.test.half",
                HalfEffect.class, "test-half", "");
    }

    /** RMS in dBFS of channel 0 over the second half of a 1 s -20 dBFS tone recorded through the device. */
    private double level() throws IOException, InterruptedException {
        Path rec = dir.resolve("rec.wav");
        List<String> cmd = new ArrayList<>(List.of(SIM.toString(), "--device", "hot", "--dir",
                dir.resolve("xdg/vocana").toString(), "--quiet", "--tone", "1000:-20", "--record", rec.toString(),
                "--seconds", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        float[][] y = new float[2][24_000];
        try (WavReader r = WavReader.open(rec)) {
            r.read(y, 24_000);
            assertEquals(24_000, r.read(y, 24_000));
        }
        return DeviceIT.medianLevelDb(y[0]);
    }

    private String hostLog() throws IOException {
        return Files.readString(dir.resolve("host.err"));
    }

    private boolean awaitLog(String text, long millis) throws IOException, InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (hostLog().contains(text)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void anEffectBundleDroppedIntoLoadJoinsTheRunningChainAndLeavesItWhenRemoved() throws Exception {
        Path load = Files.createDirectories(dir.resolve("load"));
        Files.writeString(load.resolve("org.vocana.device-hot.cfg"), "id=hot\nchain=test-half\n");
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive",
                "-Dfelix.fileinstall.dir=" + load, "-jar", System.getProperty("vocana.jar"), "run")
                .directory(dir.toFile()).redirectOutput(dir.resolve("host.out").toFile())
                .redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
        assertTrue(awaitLog("device 'hot' ready", 15_000), hostLog());
        assertTrue(hostLog().contains("effect test-half not installed: left out of the chain until installed"), hostLog());
        // a -20 dBFS sine has an RMS of -23.01 dBFS
        assertEquals(-23.01, level(), 0.05, "not installed yet: audio passes through");

        Path jar = effectBundle();
        long dropped = System.nanoTime();
        Files.copy(jar, dir.resolve("half.tmp"));
        Files.move(dir.resolve("half.tmp"), load.resolve("half.jar"), StandardCopyOption.ATOMIC_MOVE);
        assertTrue(awaitLog("installed effects changed: chain now test-half", 5_000), hostLog());
        double seconds = (System.nanoTime() - dropped) / 1e9;
        assertTrue(seconds < 3, "effect in the chain " + seconds + " s after the drop");
        assertEquals(-29.03, level(), 0.05, "the dropped effect halves the signal");

        Files.delete(load.resolve("half.jar"));
        assertTrue(awaitLog("installed effects changed: chain now empty (pass-through)", 5_000), hostLog());
        assertEquals(-23.01, level(), 0.05, "removed: audio passes through again");
        assertTrue(host.isAlive(), "the host keeps running");
    }
}
