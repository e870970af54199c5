/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.vocana.host.control.ControlClient;

/**
 * A real host ({@code java -jar vocana.jar run}, the exported jar) in a folder of its own for the
 * integration tests: {@code load/} watched, a private 0700 runtime folder, stderr and stdout in
 * files; the simulator and the control socket against it. Stopped (SIGTERM, then SIGKILL) by
 * {@link #close}.
 */
final class HostRun implements AutoCloseable {

    static final Path SIM = Path.of("..", "hal-plugin", "build", "vocana-sim").toAbsolutePath().normalize();

    final Path dir;
    Process process;

    HostRun(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(load());
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    Path load() {
        return dir.resolve("load");
    }

    Path runtimeDir() {
        return dir.resolve("xdg");
    }

    Path regions() {
        return runtimeDir().resolve("vocana");
    }

    Path socket() {
        return regions().resolve("control.sock");
    }

    /** The java command line of the host, as the launcher runs it. */
    List<String> command(String... jvmOptions) {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + load()));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", System.getProperty("vocana.jar"), "run"));
        return cmd;
    }

    HostRun start(String... jvmOptions) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(jvmOptions)).directory(dir.toFile())
                .redirectOutput(dir.resolve("host.out").toFile()).redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", runtimeDir().toString());
        process = pb.start();
        return this;
    }

    /** Writes a file into load/ atomically (a temporary name, then a rename), as an editor should. */
    Path put(String name, byte[] content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.write(tmp, content);
        return Files.move(tmp, load().resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    Path put(String name, String content) throws IOException {
        return put(name, content.getBytes(StandardCharsets.ISO_8859_1));
    }

    String err() {
        try {
            return Files.readString(dir.resolve("host.err"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    String out() {
        try {
            return Files.readString(dir.resolve("host.out"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Lines of stderr containing {@code text}. */
    List<String> errLines(String text) {
        return err().lines().filter(l -> l.contains(text)).toList();
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

    boolean awaitErr(String text, long millis) throws InterruptedException {
        return await(() -> err().contains(text), millis);
    }

    /** One control command through the control socket. */
    ControlClient.Response control(String... words) throws IOException {
        return ControlClient.send(socket(), List.of(words));
    }

    /** Runs the simulator against device {@code id}; returns its key/value report plus "exit". */
    Map<String, Long> sim(String id, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SIM.toString(), "--device", id, "--dir", regions().toString(), "--quiet"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("sim.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the simulator did not finish in 60 s");
        }
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

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
