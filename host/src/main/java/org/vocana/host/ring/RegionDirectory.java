/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where regions live and who may own them, by the same rules as the C side
 * ({@code hal-plugin/src/core/region_posix.c}):
 * <ul>
 * <li>folder: {@code $XDG_RUNTIME_DIR/vocana} if {@code XDG_RUNTIME_DIR} is an absolute path, else
 * {@code /tmp/vocana-<uid>}; it must be a real directory (not a symbolic link) owned by the user
 * with mode exactly 0700 (special bits included), or the device side refuses it;</li>
 * <li>file: {@code <folder>/<device_id>.vreg}, a regular file owned by the user with no permission
 * bits beyond 0600; the device side opens it with {@code O_NOFOLLOW} and builds the path in a
 * 4096-byte buffer.</li>
 * </ul>
 * Modes are read from the {@code unix:mode} attribute (the full {@code st_mode}, so set-id and
 * sticky bits count, as in C), owners from {@code unix:uid}; links are never followed.
 */
public final class RegionDirectory {

    /** Mode the folder must have, exactly. */
    public static final int DIR_MODE = 0700;
    /** Permission bits a region file may have at most. */
    public static final int FILE_MODE = 0600;
    /** The C side formats paths into buffers of this many bytes (NUL included). */
    static final int PATH_MAX = 4096;

    private static final Set<PosixFilePermission> DIR_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
    private static final String ATTRIBUTES = "unix:mode,uid,isDirectory,isRegularFile,isSymbolicLink,size";

    private RegionDirectory() {
    }

    /** The folder for this process: {@link #forEnvironment} of {@code XDG_RUNTIME_DIR} and the uid. */
    public static Path defaultDirectory() throws RegionException {
        return forEnvironment(System.getenv("XDG_RUNTIME_DIR"), currentUid());
    }

    /**
     * Mirror of {@code vocana_region_dir}: {@code <xdgRuntimeDir>/vocana} if {@code xdgRuntimeDir}
     * starts with '/', otherwise (unset, empty or relative) {@code /tmp/vocana-<uid>}.
     */
    public static Path forEnvironment(String xdgRuntimeDir, long uid) {
        if (xdgRuntimeDir != null && xdgRuntimeDir.startsWith("/")) {
            return Path.of(xdgRuntimeDir, "vocana");
        }
        return Path.of("/tmp/vocana-" + Long.toUnsignedString(uid));
    }

    /** Mirror of {@code vocana_region_path}: {@code <dir>/<deviceId>.vreg}, id and length checked. */
    public static Path regionFile(Path dir, String deviceId) throws RegionException {
        if (!deviceIdValid(deviceId)) {
            throw new RegionException(RegionError.DEVICE_ID,
                    "device id '" + printable(deviceId) + "' refused: " + RegionError.DEVICE_ID.description());
        }
        Path file = dir.resolve(deviceId + RegionLayout.REGION_SUFFIX);
        if (file.toString().getBytes(StandardCharsets.UTF_8).length >= PATH_MAX) {
            throw new RegionException(RegionError.PATH_TOO_LONG,
                    "region path " + file + " refused: " + RegionError.PATH_TOO_LONG.description());
        }
        return file;
    }

    /** Device ids: 1..31 characters of [A-Za-z0-9_.-], not starting with '.' (as the C side). */
    public static boolean deviceIdValid(String id) {
        if (id == null || id.isEmpty() || id.length() >= RegionLayout.DEVICE_ID_SIZE || id.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The effective uid of this process, without native code: the owner of a file it creates in
     * {@code java.io.tmpdir} (works on Linux and macOS; {@code /proc/self} would be Linux only and
     * reads as root for non-dumpable processes). Computed once.
     */
    public static long currentUid() throws RegionException {
        return UidHolder.uid();
    }

    private static final class UidHolder {
        private static volatile long uid = -1;

        static long uid() throws RegionException {
            long u = uid;
            if (u >= 0) {
                return u;
            }
            Path probe = null;
            try {
                probe = Files.createTempFile("vocana-uid", ".probe");
                u = ((Number) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                throw new RegionException(RegionError.IO, "cannot determine the user id: it is read from a file made in"
                        + " java.io.tmpdir " + System.getProperty("java.io.tmpdir") + " (" + reason(e)
                        + "); required: a writable folder with POSIX owners");
            } finally {
                if (probe != null) {
                    try {
                        Files.deleteIfExists(probe);
                    } catch (IOException ignored) {
                        // a leftover empty probe file in the temp folder is harmless
                    }
                }
            }
            uid = u;
            return u;
        }
    }

    /**
     * Creates the folder (only its last component; the parent must exist) with mode 0700 if it is
     * missing, then checks it with {@link #checkDirectory}.
     */
    public static void ensureDirectory(Path dir, long uid) throws RegionException {
        Path denied = deniedAncestor(dir);
        if (denied != null) {
            throw accessDenied(dir, denied, uid);
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new RegionException(RegionError.DIR_MISSING,
                        "region directory " + dir + ": cannot create it, its parent " + parent + " does not exist");
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_PERMISSIONS));
                Files.setPosixFilePermissions(dir, DIR_PERMISSIONS); // the umask may have narrowed it
            } catch (FileAlreadyExistsException raced) {
                // created meanwhile by someone else: the check below decides
            } catch (AccessDeniedException e) {
                throw accessDenied(dir, parent, uid);
            } catch (IOException | UnsupportedOperationException e) {
                throw new RegionException(RegionError.IO, "region directory " + dir + ": cannot create it ("
                        + reason(e) + ")", e);
            }
        }
        checkDirectory(dir, uid);
    }

    /**
     * The folder that keeps this process from reaching {@code path}: the first ancestor (from the
     * root down) that exists but that it may not search, or null. Root may search everything.
     */
    public static Path deniedAncestor(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            return null;
        }
        Path p = absolute.getRoot();
        for (Path name : parent) {
            p = p.resolve(name);
            if (!Files.isDirectory(p)) {
                return null; // missing (or not a folder): reported as such by the caller
            }
            if (!Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * "permission denied on FOLDER (owner uid O, mode M)" for {@code what} below it, with what
     * is accepted: one line.
     */
    public static RegionException accessDenied(Path what, Path folder, long uid) {
        String owner = "";
        try {
            Map<String, Object> a = Files.readAttributes(folder, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            owner = " (owner uid " + uidOf(a) + ", mode " + octal(mode(a)) + ")";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // the path alone then
        }
        return new RegionException(RegionError.DIR_ACCESS, "permission denied on " + folder + owner + " for " + what
                + (uid < 0 ? "; required: a runtime folder of this user (set XDG_RUNTIME_DIR to one)"
                        : "; required: a runtime folder of uid " + uid + " (set XDG_RUNTIME_DIR to one, e.g. /run/user/"
                        + uid + ")"));
    }

    static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip();
    }

    /** Mirror of {@code vocana_region_dir_check}: a directory, not a link, owned by uid, mode 0700. */
    public static void checkDirectory(Path dir, long uid) throws RegionException {
        Map<String, Object> a = attributes(dir, RegionError.DIR_MISSING, "region directory");
        int mode = mode(a);
        long owner = uidOf(a);
        if ((Boolean) a.get("isSymbolicLink") || !(Boolean) a.get("isDirectory")) {
            throw new RegionException(RegionError.DIR_NOT_DIR, "region directory " + dir + ": found a "
                    + kind(a) + "; required: a directory (not a symbolic link) owned by uid " + uid + ", mode 0700");
        }
        if (owner != uid) {
            throw new RegionException(RegionError.DIR_OWNER, "region directory " + dir + ": owner uid " + owner
                    + ", mode " + octal(mode) + "; required: owner uid " + uid + ", mode 0700");
        }
        if (mode != DIR_MODE) {
            throw new RegionException(RegionError.DIR_MODE, "region directory " + dir + ": mode " + octal(mode)
                    + ", owner uid " + owner + "; required: mode 0700 exactly (chmod 700 " + dir + ")");
        }
    }

    /**
     * Checks an existing region file as {@code vocana_region_map} does (regular file, not a link,
     * owned by uid, no bits beyond 0600); returns its size.
     */
    public static long checkFile(Path file, long uid) throws RegionException {
        Map<String, Object> a = attributes(file, RegionError.OPEN, "region file");
        int mode = mode(a);
        long owner = uidOf(a);
        if ((Boolean) a.get("isSymbolicLink") || !(Boolean) a.get("isRegularFile")) {
            throw new RegionException(RegionError.FILE_TYPE, "region file " + file + ": found a " + kind(a)
                    + "; required: a regular file (not a symbolic link) owned by uid " + uid + ", mode 0600");
        }
        if (owner != uid) {
            throw new RegionException(RegionError.FILE_OWNER, "region file " + file + ": owner uid " + owner
                    + ", mode " + octal(mode) + "; required: owner uid " + uid + ", mode 0600 or narrower");
        }
        if ((mode & ~FILE_MODE) != 0) {
            throw new RegionException(RegionError.FILE_MODE, "region file " + file + ": mode " + octal(mode)
                    + ", owner uid " + owner + "; required: mode 0600 or narrower, no special bits");
        }
        return ((Number) a.get("size")).longValue();
    }

    private static Map<String, Object> attributes(Path p, RegionError missing, String what) throws RegionException {
        try {
            return Files.readAttributes(p, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            Path denied = deniedAncestor(p);
            if (denied != null) {
                throw accessDenied(p, denied, currentUidOrMinusOne());
            }
            throw new RegionException(missing, what + " " + p + " does not exist", e);
        } catch (AccessDeniedException e) {
            Path denied = deniedAncestor(p);
            throw accessDenied(p, denied != null ? denied : p.toAbsolutePath().getParent(), currentUidOrMinusOne());
        } catch (IOException e) {
            throw new RegionException(RegionError.IO, what + " " + p + ": cannot read its attributes: " + e, e);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new RegionException(RegionError.IO,
                    what + " " + p + ": the file system has no POSIX owner/mode attributes (" + e.getMessage() + ")", e);
        }
    }

    private static long currentUidOrMinusOne() {
        try {
            return currentUid();
        } catch (RegionException e) {
            return -1;
        }
    }

    private static int mode(Map<String, Object> a) {
        return ((Number) a.get("mode")).intValue() & 07777;
    }

    private static long uidOf(Map<String, Object> a) {
        return ((Number) a.get("uid")).longValue();
    }

    private static String kind(Map<String, Object> a) {
        if ((Boolean) a.get("isSymbolicLink")) {
            return "symbolic link";
        }
        if ((Boolean) a.get("isDirectory")) {
            return "directory";
        }
        return (Boolean) a.get("isRegularFile") ? "regular file" : "special file";
    }

    static String octal(int mode) {
        String s = Integer.toOctalString(mode);
        return "0000".substring(Math.min(4, s.length())) + s;
    }

    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }
}
