/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real host ({@code vocana run}, the exported jar) in a test folder with its own runtime
 * folder, load folder and logs, plus the C device simulator and the CLI against it: what the
 * lifecycle and watchdog integration tests share.
 */
final class HostHarness implements AutoCloseable {

    static final Path SIM = Path.of("..", "hal-plugin", "build", "vocana-sim").toAbsolutePath().normalize();

    final Path dir;
    private Process host;

    HostHarness(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(load());
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    Path load() {
        return dir.resolve("load");
    }

    Path regions() {
        return dir.resolve("xdg/vocana");
    }

    /** Writes a device file (atomically: the host never reads half of it). */
    void device(String id, String chain) throws IOException {
        Path tmp = dir.resolve("device-" + id + ".tmp");
        Files.writeString(tmp, "id=" + id + "\nname=Vocana " + id + "\nsampleRate=48000\nchannels=2\nioFrames=128\nchain=" + chain + "\n");
        Files.move(tmp, load().resolve("org.vocana.device-" + id + ".cfg"), StandardCopyOption.ATOMIC_MOVE);
    }

    void start(String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive",
                "-Dfelix.fileinstall.dir=" + load()));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", System.getProperty("vocana.jar"), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("host.out").toFile()).redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
    }

    Process process() {
        return host;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("host.err"));
        } catch (IOException e) {
            return "";
        }
    }

    String out() {
        try {
            return Files.readString(dir.resolve("host.out"));
        } catch (IOException e) {
            return "";
        }
    }

    long count(String text) {
        return log().lines().filter(l -> l.contains(text)).count();
    }

    boolean awaitLog(String text, long millis) throws InterruptedException {
        return await(() -> log().contains(text), millis);
    }

    static boolean await(BooleanSupplier condition, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    /** Runs {@code vocana ARGS} against the running host; returns exit code and output. */
    String[] cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + dir.resolve("cli-load"),
                "-jar", System.getProperty("vocana.jar")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    /** Starts the simulator against device {@code id}; its stdout (key value lines) goes to sim-ID.out. */
    Process sim(String id, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(SIM.toString(), "--device", id, "--dir", regions().toString(), "--quiet"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("sim-" + id + ".out").toFile())
                .redirectError(dir.resolve("sim-" + id + ".err").toFile()).start();
    }

    /** As {@link #sim}, for a region published as the shared-memory object /vocana.ID. */
    Process simShm(String id, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(SIM.toString(), "--device", id, "--shm", "--quiet"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("sim-" + id + ".out").toFile())
                .redirectError(dir.resolve("sim-" + id + ".err").toFile()).start();
    }

    /** The simulator's report once it ended. */
    Map<String, Long> simReport(String id, Process sim) throws IOException, InterruptedException {
        assertTrue(sim.waitFor(120, TimeUnit.SECONDS), "simulator finished");
        Map<String, Long> report = new HashMap<>();
        for (String line : Files.readString(dir.resolve("sim-" + id + ".out")).split("\n")) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2) {
                report.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        report.put("exit", (long) sim.exitValue());
        return report;
    }

    /** Sends a signal (STOP, CONT, TERM, ...) to the host with the shell's built-in kill. */
    void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("bash", "-c", "kill -" + name + " " + host.pid()).inheritIO().start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS) && k.exitValue() == 0, "kill -" + name);
    }

    /** Lines of the host's output that look like a stack trace or a framework error. */
    List<String> stackTraces() {
        List<String> bad = new ArrayList<>();
        for (String l : (log() + "\n" + out()).split("\n")) {
            if (l.startsWith("\tat ") || l.startsWith("ERROR:") || l.contains("Exception in thread")
                    || l.matches("^[a-z]+(\\.[a-zA-Z0-9_$]+)+(Exception|Error)(: .*)?$")) {
                bad.add(l);
            }
        }
        return bad;
    }

    @Override
    public void close() throws InterruptedException {
        if (host != null && host.isAlive()) {
            try {
                signal("CONT");
            } catch (IOException | AssertionError e) {
                // it is going anyway
            }
            host.destroy();
            if (!host.waitFor(10, TimeUnit.SECONDS)) {
                host.destroyForcibly();
            }
        }
    }
}
