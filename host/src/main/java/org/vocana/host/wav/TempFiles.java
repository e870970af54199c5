/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Temporary files and folders a command creates next to its output, and what makes sure none
 * survives the command:
 * <ul>
 * <li>while any is pending, a shutdown hook deletes them on SIGINT, SIGTERM or {@code System.exit};
 * once the hook has started, {@link #publish} refuses to rename, so a run stopped by a signal
 * leaves either no output or a complete one, and never a temporary file;</li>
 * <li>their names carry the creating process's id ({@code .NAME.PID.RANDOM.tmp}); after a
 * SIGKILL, the next run that writes the same output removes the leftovers of processes that are
 * no longer alive ({@link #removeStale}), and only those.</li>
 * </ul>
 */
public final class TempFiles {

    private static final Object LOCK = new Object();
    private static final Set<Path> PENDING = new LinkedHashSet<>();
    private static Thread hook;
    private static boolean shuttingDown;

    private TempFiles() {
    }

    /** What a rename does; runs under the registry's lock. */
    @FunctionalInterface
    public interface Publish {
        void run() throws IOException;
    }

    /** This process's id, as it appears in temporary names. */
    public static long pid() {
        return ProcessHandle.current().pid();
    }

    /** Deletes {@code path} (a file or a folder tree) on shutdown until {@link #forget} or {@link #publish}. */
    public static void track(Path path) throws IOException {
        synchronized (LOCK) {
            if (shuttingDown) {
                deleteTree(path);
                throw new WavException(path + ": not created, the process is stopping");
            }
            PENDING.add(path);
            if (hook == null) {
                hook = Thread.ofPlatform().name("vocana-temp-files").unstarted(TempFiles::deleteAllOnShutdown);
                Runtime.getRuntime().addShutdownHook(hook);
            }
        }
    }

    /** Stops tracking {@code path} (it was deleted or renamed by its owner). */
    public static void forget(Path path) {
        synchronized (LOCK) {
            PENDING.remove(path);
            releaseHookIfIdle();
        }
    }

    /**
     * Runs {@code rename} (which moves the tracked {@code path} to its final name) unless the
     * process is stopping, then stops tracking {@code path}.
     *
     * @throws WavException if a shutdown has begun (the temporary file is deleted by then)
     */
    public static void publish(Path path, String name, Publish rename) throws IOException {
        synchronized (LOCK) {
            if (shuttingDown) {
                throw new WavException(name + ": not written, the process is stopping");
            }
            rename.run();
            PENDING.remove(path);
            releaseHookIfIdle();
        }
    }

    /** True once the shutdown hook has begun (SIGINT, SIGTERM or an exit while files were pending). */
    public static boolean stopping() {
        synchronized (LOCK) {
            return shuttingDown;
        }
    }

    /** Paths tracked now (for tests). */
    static List<Path> pending() {
        synchronized (LOCK) {
            return List.copyOf(PENDING);
        }
    }

    private static void releaseHookIfIdle() {
        if (PENDING.isEmpty() && hook != null && !shuttingDown) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                return; // the hook runs (or ran): it finds nothing to delete
            }
            hook = null;
        }
    }

    private static void deleteAllOnShutdown() {
        synchronized (LOCK) {
            shuttingDown = true;
            for (Path p : PENDING) {
                try {
                    deleteTree(p);
                } catch (IOException e) {
                    System.err.println("vocana: could not delete the temporary " + p + " (" + WavReader.reason(e) + ")");
                }
            }
            PENDING.clear();
        }
    }

    /** Deletes a file, or a folder with everything in it; links are deleted, never followed. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (NoSuchFileException gone) {
                // deleted meanwhile
            }
        } else {
            Files.deleteIfExists(path);
        }
    }

    /**
     * Removes the leftovers of dead processes in {@code dir}: entries named {@code prefix PID rest}
     * where {@code rest} matches {@code restPattern}, PID is not this process and no process with
     * that id is alive. Entries of live processes (and of ids in use again) are kept, and so are
     * entries of another owner than {@code owner} (when not null). Files are removed, and folders
     * with {@code folders} set; links never. Returns what was removed.
     */
    public static List<Path> removeStale(Path dir, String prefix, Pattern restPattern, boolean folders,
                                         UserPrincipal owner) {
        List<Path> removed = new ArrayList<>();
        long self = pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                e -> e.getFileName().toString().startsWith(prefix))) {
            for (Path e : entries) {
                String rest = e.getFileName().toString().substring(prefix.length());
                Matcher m = PID_REST.matcher(rest);
                if (!m.matches() || !restPattern.matcher(m.group(2)).matches()) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException tooLong) {
                    continue;
                }
                if (pid == self || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                PosixFileAttributes a = Files.readAttributes(e, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if ((owner == null || owner.equals(a.owner())) && (a.isRegularFile() || (folders && a.isDirectory()))) {
                    deleteTree(e);
                    removed.add(e);
                }
            }
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // best effort: a folder we cannot list or an entry we cannot delete stays
        }
        return removed;
    }

    private static final Pattern PID_REST = Pattern.compile("([0-9]{1,19})([.-].*)");

    /**
     * What {@code path} is, as a phrase ("a directory", "a FIFO (named pipe)", "a character
     * device", ...), or null if it is a regular file or does not exist. Links are followed with
     * {@code follow}, else reported as "a symbolic link".
     */
    public static String nonRegularKind(Path path, boolean follow) {
        LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, opts);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // reported by whoever opens it, with the reason
        }
        if (a.isRegularFile()) {
            return null;
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        try {
            int mode = ((Number) Files.getAttribute(path, "unix:mode", opts)).intValue() & 0170000;
            return switch (mode) {
                case 0010000 -> "a FIFO (named pipe)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
    }
}
