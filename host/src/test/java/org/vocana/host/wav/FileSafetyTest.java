/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.offline.OfflineProcessor;

/**
 * What the writer and reader do with paths that are not plain files, with the temporary files of
 * other processes, and with the mode of a replaced file.
 */
class FileSafetyTest {

    private static final WavFormat FORMAT = new WavFormat(8000, 1, WavEncoding.PCM_16);

    @TempDir
    Path dir;

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    static Path fifo(Path p) throws IOException, InterruptedException {
        run("mkfifo", p.toString());
        return p;
    }

    /** A process id that no live process has: a process that has ended. */
    static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    private static void writeOne(Path out) throws IOException {
        try (WavWriter w = WavWriter.create(out, FORMAT)) {
            w.write(new float[][] {{0.5f}}, 1);
            w.commit();
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFifoAsOutputIsRefusedAndStaysAFifo() throws Exception {
        Path out = fifo(dir.resolve("out.wav"));
        WavException e = assertThrows(WavException.class, () -> WavWriter.create(out, FORMAT));
        assertEquals(out + ": is a FIFO (named pipe); the output must be a regular file (it is replaced)"
                + " or a path that does not exist", e.getMessage());
        assertEquals("p", kind(out), "still a FIFO");
        assertEquals(List.of("out.wav"), names(), "no temporary file");
    }

    @Test
    void aDeviceAsOutputIsRefused() {
        Path out = Path.of("/dev/null");
        WavException e = assertThrows(WavException.class, () -> WavWriter.create(out, FORMAT));
        assertEquals("/dev/null: is a character device; the output must be a regular file (it is replaced)"
                + " or a path that does not exist", e.getMessage());
        assertEquals("c", kind(out));
    }

    @Test
    void aSymbolicLinkAsOutputIsRefusedAndItsTargetKept() throws Exception {
        Path target = Files.writeString(dir.resolve("target.txt"), "keep me");
        Path out = Files.createSymbolicLink(dir.resolve("out.wav"), target);
        WavException e = assertThrows(WavException.class, () -> WavWriter.create(out, FORMAT));
        assertEquals(out + ": is a symbolic link; the output must be a regular file (it is replaced)"
                + " or a path that does not exist", e.getMessage());
        assertEquals("keep me", Files.readString(target));
        assertTrue(Files.isSymbolicLink(out));
    }

    @Test
    void aTargetReplacedByAFifoBeforeTheCommitIsNotReplaced() throws Exception {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, FORMAT)) {
            w.write(new float[][] {{0.5f}}, 1);
            fifo(out);
            WavException e = assertThrows(WavException.class, w::commit);
            assertTrue(e.getMessage().startsWith(out + ": is a FIFO (named pipe);"), e.getMessage());
        }
        assertEquals("p", kind(out));
        assertEquals(List.of("out.wav"), names(), "the temporary file is gone");
    }

    @Test
    void aFifoAsInputIsRefusedWithoutBlocking() throws Exception {
        Path in = fifo(dir.resolve("in.wav"));
        // opening a FIFO for reading blocks until a writer comes: the check must come first
        WavException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WavException.class, () -> WavReader.open(in)));
        assertEquals(in + ": is a FIFO (named pipe); the input must be a regular WAV file", e.getMessage());
        WavException c = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WavException.class, () -> OfflineProcessor.checkFiles(in, dir.resolve("o.wav"))));
        assertEquals(e.getMessage(), c.getMessage());
    }

    @Test
    void aDeviceAsInputIsRefused() {
        WavException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(WavException.class, () -> WavReader.open(Path.of("/dev/zero"))));
        assertEquals("/dev/zero: is a character device; the input must be a regular WAV file", e.getMessage());
    }

    @Test
    void aReplacedFileKeepsItsModeAndANewFileGetsTheUmasksMode() throws Exception {
        Path out = dir.resolve("out.wav");
        writeOne(out);
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out),
                "a new output gets what any new file gets here");
        for (String mode : List.of("rw-------", "rw-rw-r--", "r--------")) {
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(mode));
            writeOne(out);
            assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        }
    }

    @Test
    void theTemporaryFileIsTheOwnersOnlyAndNamedAfterThisProcess() throws Exception {
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, FORMAT)) {
            List<String> names = names();
            assertEquals(1, names.size(), names.toString());
            assertTrue(names.get(0).matches("\\.out\\.wav\\." + ProcessHandle.current().pid() + "\\.[0-9a-z]+\\.tmp"),
                    names.get(0));
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(names.get(0)))));
            assertEquals(List.of(dir.resolve(names.get(0))), TempFiles.pending().stream()
                    .filter(p -> p.startsWith(dir)).toList(), "deleted on SIGINT/SIGTERM");
        }
        assertEquals(List.of(), names());
        assertTrue(TempFiles.pending().stream().noneMatch(p -> p.startsWith(dir)));
    }

    @Test
    void aDeadProcessesTemporaryFileIsRemovedAndALiveOnesKept() throws Exception {
        long dead = deadPid();
        Process live = new ProcessBuilder("sleep", "30").start();
        try {
            Path deadTemp = Files.writeString(dir.resolve(".out.wav." + dead + ".k3j5h2.tmp"), "partial");
            Path liveTemp = Files.writeString(dir.resolve(".out.wav." + live.pid() + ".a8b7.tmp"), "partial");
            // not this output's, or not a temporary name of ours: never touched
            Path otherOutput = Files.writeString(dir.resolve(".other.wav." + dead + ".k3j5h2.tmp"), "x");
            Path notOurs = Files.writeString(dir.resolve(".out.wav." + dead + ".notes"), "x");
            Path deadFolder = Files.createDirectory(dir.resolve(".out.wav." + dead + ".zz.tmp"));
            writeOne(dir.resolve("out.wav"));
            assertFalse(Files.exists(deadTemp, LinkOption.NOFOLLOW_LINKS), "a dead run's temporary file is removed");
            assertTrue(Files.exists(liveTemp), "a running process's temporary file is kept");
            assertTrue(Files.exists(otherOutput));
            assertTrue(Files.exists(notOurs));
            assertTrue(Files.isDirectory(deadFolder), "only files are removed");
        } finally {
            live.destroyForcibly().waitFor();
        }
    }

    @Test
    void anotherOwnersTemporaryFileIsKept() throws Exception {
        long dead = deadPid();
        Path temp = Files.writeString(dir.resolve(".out.wav." + dead + ".k3j5h2.tmp"), "partial");
        java.nio.file.attribute.UserPrincipal me = Files.getOwner(temp);
        java.nio.file.attribute.UserPrincipal other = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(me.getName().equals("root") ? "nobody" : "root");
        java.util.regex.Pattern rest = java.util.regex.Pattern.compile("\\.[0-9a-z]+\\.tmp");
        assertEquals(List.of(), TempFiles.removeStale(dir, ".out.wav.", rest, false, other));
        assertTrue(Files.exists(temp), "not the owner's: kept");
        assertEquals(List.of(temp), TempFiles.removeStale(dir, ".out.wav.", rest, false, me));
        assertFalse(Files.exists(temp));
    }

    @Test
    void staleFoldersAreRemovedOnlyWhenAskedFor() throws Exception {
        long dead = deadPid();
        Path demo = Files.createDirectories(dir.resolve(".demo-" + dead + "-123456").resolve("regions"));
        Files.writeString(demo.resolve("x"), "x");
        Path mine = Files.createDirectory(dir.resolve(".demo-" + ProcessHandle.current().pid() + "-99"));
        List<Path> removed = TempFiles.removeStale(dir, ".demo-", java.util.regex.Pattern.compile("-[0-9]+"), true,
                Files.getOwner(dir));
        assertEquals(List.of(dir.resolve(".demo-" + dead + "-123456")), removed);
        assertTrue(Files.isDirectory(mine), "this process's own folder is kept");
    }

    /** 'p' for a FIFO, 'c' for a character device, '-' for a regular file, from the file type bits. */
    private static String kind(Path p) {
        try {
            int mode = ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 0170000;
            return switch (mode) {
                case 0010000 -> "p";
                case 0020000 -> "c";
                case 0100000 -> "-";
                default -> Integer.toOctalString(mode);
            };
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
