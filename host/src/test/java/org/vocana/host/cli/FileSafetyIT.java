/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.wav.WavEncoding;
import org.vocana.host.wav.WavFormat;
import org.vocana.host.wav.WavReader;

/**
 * The file-safety rules of {@code ./vocana process}, through the launcher script as a user runs
 * it (with the jar the build made: {@code VOCANA_NO_BUILD=1}): what OUT and IN may be, what a
 * signal leaves behind (nothing, also in the JVM's temporary folder), what the next run does after
 * a SIGKILL, the mode of a replaced file; and the error a user gets for a runtime folder of
 * another user.
 */
class FileSafetyIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path RUN_TMP = ROOT.resolve(".vocana").resolve("tmp");
    private static final String OUT_RULE = "; the output must be a regular file (it is replaced) or a path that does not exist";

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    /**
     * Runs the launcher. A process inherits an ignored SIGINT (as from a shell's background job,
     * which a CI runner may be), and a JVM started with SIGINT ignored never reacts to it: the
     * launcher is started through python3 with SIGINT's default action restored.
     */
    private ProcessBuilder launcher(String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                ROOT.resolve("vocana").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve(".stdout").toFile())
                .redirectError(dir.resolve(".stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("VOCANA_NO_BUILD", "1");
        return pb;
    }

    private Result finish(Process p, String what) throws IOException, InterruptedException {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(what + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve(".stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve(".stderr"), StandardCharsets.UTF_8));
    }

    private Result vocana(String... args) throws IOException, InterruptedException {
        return finish(launcher(args).start(), String.join(" ", args));
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    private static boolean isRoot() throws IOException {
        Path probe = Files.createTempFile("uid", ".probe");
        try {
            return ((Number) Files.getAttribute(probe, "unix:uid")).intValue() == 0;
        } finally {
            Files.delete(probe);
        }
    }

    private static String type(Path p) throws IOException {
        int mode = ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 0170000;
        return switch (mode) {
            case 0010000 -> "fifo";
            case 0020000 -> "char device";
            case 0100000 -> "regular";
            default -> Integer.toOctalString(mode);
        };
    }

    private List<String> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).sorted().toList();
        }
    }

    private static List<String> list(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(p -> !p.equals(folder)).map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    /** A stereo 16-bit 48 kHz file of {@code seconds}, a sine with some noise. */
    private Path input(String name, double seconds) throws IOException {
        return VocanaCliIT.sineFile(dir.resolve(name), new WavFormat(48_000, 2, WavEncoding.PCM_16), 440, -12, seconds);
    }

    @Test
    void aFifoOrADeviceAsOutIsRefusedInOneLineBeforeAnyWork() throws Exception {
        Path in = input("in.wav", 0.2);
        Path fifo = dir.resolve("fifo.wav");
        run("mkfifo", fifo.toString());
        Path device;
        if (isRoot()) {
            device = dir.resolve("null.wav"); // a device node of our own: never /dev/null itself as root
            run("mknod", device.toString(), "c", "1", "3");
        } else {
            device = Path.of("/dev/null");
        }
        for (Path out : List.of(fifo, device)) {
            String kind = out == fifo ? "a FIFO (named pipe)" : "a character device";
            Result r = vocana("process", in.toString(), out.toString(), "--chain", "gain");
            assertEquals(1, r.exit(), r.err());
            assertEquals("vocana process: " + out + ": is " + kind + OUT_RULE + "\n", r.err());
            assertEquals("", r.out());
            assertEquals(out == fifo ? "fifo" : "char device", type(out), "left as it was");
        }
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aFifoAsInIsRefusedAndNeverBlocks() throws Exception {
        Path fifo = dir.resolve("in.wav");
        run("mkfifo", fifo.toString());
        long start = System.nanoTime();
        Result r = vocana("process", fifo.toString(), dir.resolve("out.wav").toString(), "--chain", "gain");
        assertEquals(1, r.exit(), r.err());
        assertEquals("vocana process: " + fifo + ": is a FIFO (named pipe); the input must be a regular WAV file\n", r.err());
        assertFalse(Files.exists(dir.resolve("out.wav")));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "answered without waiting for a writer");
    }

    /** Starts a long run and returns once its temporary output has some audio in it. */
    private Process startLongRun(Path in, Path out) throws Exception {
        Process p = launcher("process", in.toString(), out.toString(), "--chain", "denoise,limiter", "--quiet").start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<String> t = temporaries();
            if (!t.isEmpty() && Files.size(dir.resolve(t.get(0))) > 100_000) {
                assertEquals(1, t.size(), t.toString());
                assertTrue(t.get(0).matches("\\.out\\.wav\\." + p.pid() + "\\.[0-9a-z]+\\.tmp"), t.get(0));
                return p;
            }
            assertTrue(p.isAlive(), "the run ended early: " + Files.readString(dir.resolve(".stderr")));
            assertTrue(System.nanoTime() < deadline, "no temporary output after 30 s");
            Thread.sleep(20);
        }
    }

    @Test
    void sigtermAndSigintDuringProcessLeaveNoPartialFileAndNoTemporaryFolder() throws Exception {
        Path in = input("long.wav", 120);
        Path out = dir.resolve("out.wav");
        for (String signal : List.of("TERM", "INT")) {
            Process p = startLongRun(in, out);
            assertFalse(list(RUN_TMP.resolve(String.valueOf(p.pid()))).isEmpty(),
                    "the JVM's temporary files are under the project, in .vocana/tmp/PID");
            // python3 rather than kill(1), which comes with procps (not in every minimal system)
            run("python3", "-c", "import os, signal, sys; os.kill(int(sys.argv[1]), signal.SIG" + signal + ")",
                    String.valueOf(p.pid()));
            Result r = finish(p, "process after SIG" + signal);
            assertEquals(signal.equals("TERM") ? 143 : 130, r.exit(), r.err());
            assertEquals(List.of(), temporaries(), "SIG" + signal + " left a temporary file");
            assertFalse(Files.exists(out), "SIG" + signal + " left an output");
            assertEquals(List.of(), list(RUN_TMP.resolve(String.valueOf(p.pid()))),
                    "SIG" + signal + " left the JVM's temporary files");
        }
    }

    @Test
    void afterSigkillTheNextRunRemovesWhatTheKilledRunLeft() throws Exception {
        Path in = input("long.wav", 120);
        Path out = dir.resolve("out.wav");
        Process p = startLongRun(in, out);
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        List<String> left = temporaries();
        assertEquals(1, left.size(), "SIGKILL leaves the temporary file: " + left);
        Path jvmTmp = RUN_TMP.resolve(String.valueOf(p.pid()));
        assertFalse(list(jvmTmp).isEmpty(), "SIGKILL leaves the JVM's temporary files");

        Result r = vocana("process", input("short.wav", 0.5).toString(), out.toString(), "--chain", "gain", "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(), temporaries(), "the killed run's temporary file is removed");
        assertFalse(Files.exists(jvmTmp), "the killed run's JVM temporary folder is removed");
        try (WavReader w = WavReader.open(out)) {
            assertEquals(24_000, w.frames());
        }
    }

    @Test
    void aReplacedOutputKeepsItsMode() throws Exception {
        Path in = input("in.wav", 0.2);
        Path out = dir.resolve("out.wav");
        Files.writeString(out, "an older result");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
        Result r = vocana("process", in.toString(), out.toString(), "--chain", "gain", "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        try (WavReader w = WavReader.open(out)) {
            assertEquals(9_600, w.frames());
        }
    }

    /**
     * Another user's runtime folder: the control commands name the folder they may not enter (not
     * "no host running"). Root passes every permission check, so as root the command runs as
     * uid 65534 (setpriv); otherwise the folder is made unsearchable.
     */
    @Test
    void aRuntimeFolderThatCannotBeEnteredIsNamedInTheError() throws Exception {
        Path runtime = Files.createDirectories(dir.resolve("runtime"));
        Files.createDirectory(runtime.resolve("vocana"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean root = isRoot();
        List<String> cmd = new ArrayList<>();
        String jar = System.getProperty("vocana.jar");
        if (root) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
            // the other user cannot enter the checkout (a clone in a 0700 folder): a readable copy
            Path copy = Files.copy(Path.of(jar), dir.resolve("vocana.jar"));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            jar = copy.toString();
        } else {
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("---------"));
        }
        cmd.addAll(List.of(System.getProperty("vocana.java", "java"), "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Djava.io.tmpdir=/tmp", "-Dfelix.fileinstall.dir=" + dir.resolve("load"),
                "-jar", jar, "devices"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File("/"))
                .redirectOutput(dir.resolve(".stdout").toFile())
                .redirectError(dir.resolve(".stderr").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        try {
            Result r = finish(pb.start(), "vocana devices");
            assertEquals(1, r.exit(), r.err());
            long uid = root ? 65534 : ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
            String mode = root ? "0700" : "0000";
            assertEquals("vocana devices: permission denied on " + runtime + " (owner uid "
                    + ((Number) Files.getAttribute(runtime, "unix:uid")).longValue() + ", mode " + mode + ") for "
                    + runtime.resolve("vocana/control.sock") + "; required: a runtime folder of uid " + uid
                    + " (set XDG_RUNTIME_DIR to one, e.g. /run/user/" + uid + ")\n", r.err());
        } finally {
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
