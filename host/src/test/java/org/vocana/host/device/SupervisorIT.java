/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.wav.WavReader;

/**
 * {@code ./vocana run} supervises the host: after a kill -9 of the host's JVM a new host is
 * started within 1 s, the simulator's device side re-attaches to it by itself and streams again;
 * SIGTERM to the launcher stops the host in order (regions and socket removed, exit 143); and when
 * the launcher stops right after its host was killed, it removes the stale socket and regions.
 * The launcher runs from a copy of the script in a folder of its own (its load/ and .vocana/ are
 * there), with the built jar linked in.
 */
class SupervisorIT {

    @TempDir
    Path dir;
    private Process launcher;
    private final List<Process> others = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : others) {
            p.destroyForcibly();
        }
        if (launcher != null) {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
            launcher.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path regions() {
        return dir.resolve("xdg/vocana");
    }

    private String err() {
        try {
            return Files.readString(dir.resolve("launcher.err"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private long count(String text) {
        return err().lines().filter(l -> l.contains(text)).count();
    }

    private Process startLauncher() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Files.copy(root.resolve("vocana"), dir.resolve("vocana"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(dir.resolve("vocana"), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(dir.resolve("host/target"));
        if (!Files.exists(dir.resolve("host/target/vocana.jar"))) {
            Files.createSymbolicLink(dir.resolve("host/target/vocana.jar"), Path.of(System.getProperty("vocana.jar")));
        }
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder(dir.resolve("vocana").toString(), "run").directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("launcher.out").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("launcher.err").toFile()));
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        pb.environment().put("VOCANA_NO_BUILD", "1");
        pb.environment().put("JAVA_HOME", Path.of(System.getProperty("vocana.java")).getParent().getParent().toString());
        return pb.start();
    }

    /** The host JVM the launcher runs now. */
    private Optional<ProcessHandle> host() {
        return launcher.children().filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst();
    }

    @Test
    void aKilledHostIsStartedAgainAndTheDeviceSideReattaches() throws Exception {
        Files.createDirectories(dir.resolve("load"));
        Files.writeString(dir.resolve("load/org.vocana.device-sv.cfg"), "id=sv\nchain=gain:gainDb=-6\n");
        launcher = startLauncher();
        assertTrue(HostRun.await(() -> count("device 'sv' ready") == 1, 30_000), err());
        long firstPid = host().orElseThrow().pid();

        // a device side streaming all along, in real time
        Path rec = dir.resolve("rec.wav");
        Process sim = new ProcessBuilder(HostRun.SIM.toString(), "--device", "sv", "--dir", regions().toString(), "--tone",
                "1000:-20", "--seconds", "12", "--record", rec.toString(), "--wait-host", "10")
                .redirectOutput(dir.resolve("sim.out").toFile()).redirectError(dir.resolve("sim.err").toFile()).start();
        others.add(sim);
        Thread.sleep(3_000);

        ProcessHandle first = host().orElseThrow();
        long killed = System.nanoTime();
        first.destroyForcibly(); // SIGKILL: no shutdown hook, nothing cleaned up
        assertTrue(first.onExit().get(5, TimeUnit.SECONDS) != null);
        assertTrue(HostRun.await(() -> host().map(h -> h.pid() != firstPid).orElse(false), 1_000),
                "a new host within 1 s of the kill; launcher: " + err());
        double restartMs = (System.nanoTime() - killed) / 1e6;
        assertTrue(HostRun.await(() -> count("device 'sv' ready") == 2, 20_000), err());
        double readyMs = (System.nanoTime() - killed) / 1e6;
        assertEquals(1, count("vocana run: the host was killed by SIGKILL after "), err());
        assertTrue(err().contains("; starting it again (restart 1; Ctrl-C stops)")
                || err().contains("; starting it again in 0.25 s (restart 1; Ctrl-C stops)"), err());

        assertTrue(sim.waitFor(30, TimeUnit.SECONDS));
        String simErr = Files.readString(dir.resolve("sim.err"));
        assertEquals(0, sim.exitValue(), simErr);
        assertTrue(simErr.lines().filter(l -> l.contains("attached to")).count() >= 2, "re-attached: " + simErr);
        // streaming again through the new host's chain: the last 2 s are the tone at -6 dB
        float[][] y = new float[2][96_000];
        try (WavReader r = WavReader.open(rec)) {
            float[][] skip = new float[2][4800];
            long left = r.frames() - 96_000;
            while (left > 0) {
                left -= r.read(skip, (int) Math.min(4800, left));
            }
            assertEquals(96_000, r.read(y, 96_000));
        }
        assertEquals(-29.01, DeviceIT.medianLevelDb(y[0]), 0.1, "the tone through the restarted host");
        System.out.printf("supervisor: new host %.0f ms after the kill, device ready %.0f ms after it%n", restartMs, readyMs);

        // SIGTERM to the launcher: the host stops in order, nothing restarts
        launcher.destroy();
        assertTrue(launcher.waitFor(15, TimeUnit.SECONDS));
        assertEquals(143, launcher.exitValue(), err());
        assertEquals(1, count("vocana run: the host was killed"), "no restart after SIGTERM: " + err());
        assertFalse(Files.exists(regions().resolve("sv.vreg")), "region removed");
        assertFalse(Files.exists(regions().resolve("control.sock")), "socket removed");
    }

    @Test
    void aLauncherStoppingAfterItsHostWasKilledRemovesWhatTheHostLeft() throws Exception {
        Files.createDirectories(dir.resolve("load"));
        Files.writeString(dir.resolve("load/org.vocana.device-st.cfg"), "id=st\n");
        launcher = startLauncher();
        assertTrue(HostRun.await(() -> count("device 'st' ready") == 1, 30_000), err());
        assertTrue(Files.exists(regions().resolve("st.vreg")) && Files.exists(regions().resolve("control.sock")));
        ProcessHandle h = host().orElseThrow();
        h.destroyForcibly();
        h.onExit().get(5, TimeUnit.SECONDS);
        launcher.destroy(); // the host was killed within 10 s of its start: the restart waits 0.25 s, SIGTERM ends that
        assertTrue(launcher.waitFor(15, TimeUnit.SECONDS));
        assertEquals(143, launcher.exitValue(), err());
        assertFalse(Files.exists(regions().resolve("st.vreg")), "stale region removed: " + err());
        assertFalse(Files.exists(regions().resolve("control.sock")), "stale socket removed: " + err());
        assertTrue(err().contains("vocana run: removed the stale region " + regions().resolve("st.vreg")), err());
        assertTrue(err().contains("vocana run: removed the stale control socket " + regions().resolve("control.sock")), err());
    }
}
