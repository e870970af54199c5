/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Objects;

/**
 * POSIX shared-memory objects through FFM downcalls into the C library (no JNI): the region
 * transport on macOS, where the HAL driver runs as {@code _coreaudiod} in a sandbox that cannot
 * open the user's region files. Mirrors {@code vocana_region_shm_name} and
 * {@code vocana_region_map_shm} of {@code hal-plugin/include/vocana/region_posix.h}.
 *
 * <p>Platform facts used here (public ABI): the {@code O_*} flags (Linux: {@code O_CREAT 0100},
 * {@code O_EXCL 0200}; macOS: {@code 0x200}, {@code 0x800}); {@code shm_open} is variadic on macOS
 * (its mode is passed as a variadic argument); and the offsets of {@code st_mode}, {@code st_uid}
 * and {@code st_size} in {@code struct stat} (glibc x86_64 and aarch64, and macOS's 64-bit-inode
 * layout, whose symbol on x86_64 is {@code fstat$INODE64}). Other systems get
 * {@link RegionError#IO} "shared memory is not supported on ...".
 *
 * <p>Control threads only (system calls). {@code umask} is process-wide: for a mode with group or
 * other bits {@link #create} clears it around {@code shm_open} under this class's lock so that the
 * object gets exactly the asked mode (macOS cannot {@code fchmod} a shared-memory object); a file
 * another thread creates in those microseconds would get its mode without the umask applied.
 */
@SuppressWarnings("restricted") // FFM downcalls into libc: the purpose of this class
final class SharedMemory {

    /**
     * "/vocana." + device id: at most this many characters (macOS PSHMNAMLEN is 31, and older
     * kernels count the terminating NUL in it).
     */
    static final int NAME_MAX = 30;
    static final String PREFIX = "/vocana.";

    private static final int O_RDWR = 2;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EEXIST = 17;

    /** st_mode, st_uid, st_size of a descriptor. */
    record Stat(int mode, long uid, long size) {
    }

    private record Platform(String name, int oCreat, int oExcl, boolean variadicOpen, String fstatSymbol,
            long statSize, long modeOffset, boolean shortMode, long uidOffset, long sizeOffset) {
    }

    private static final Platform PLATFORM = platform(System.getProperty("os.name", ""),
            System.getProperty("os.arch", ""));

    private SharedMemory() {
    }

    private static Platform platform(String os, String arch) {
        String o = os.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (o.startsWith("linux") && x64) {
            return new Platform("Linux x86_64", 0100, 0200, false, "fstat", 144, 24, false, 28, 48);
        }
        if (o.startsWith("linux") && arm64) {
            return new Platform("Linux aarch64", 0100, 0200, false, "fstat", 128, 16, false, 24, 48);
        }
        if (RegionTransport.isMacOs(os) && (x64 || arm64)) {
            return new Platform("macOS " + arch, 0x200, 0x800, true, x64 ? "fstat$INODE64" : "fstat", 144, 4, true,
                    16, 96);
        }
        return null;
    }

    /** Whether this system has the transport ({@link #create} etc. throw otherwise). */
    static boolean supported() {
        return PLATFORM != null;
    }

    /** {@code "/vocana.<deviceId>"}, checked as the C side does. */
    static String nameFor(String deviceId) throws RegionException {
        if (!RegionDirectory.deviceIdValid(deviceId)) {
            throw new RegionException(RegionError.DEVICE_ID, "device id '" + RegionDirectory.printable(deviceId)
                    + "' refused: " + RegionError.DEVICE_ID.description());
        }
        String name = PREFIX + deviceId;
        if (name.length() > NAME_MAX) {
            throw new RegionException(RegionError.PATH_TOO_LONG, "device id '" + deviceId + "' is "
                    + deviceId.length() + " characters; the shared-memory transport (macOS) accepts at most "
                    + (NAME_MAX - PREFIX.length()) + " (the object name " + name + " may have " + NAME_MAX + ")");
        }
        return name;
    }

    /** errno as the calls leave it (no other class initialisation needed: memfds use it alone). */
    private static final class Errno {
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Linker.Option CCS = Linker.Option.captureCallState("errno");
    }

    private static MethodHandle handle(String symbol, FunctionDescriptor d, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        MemorySegment f = linker.defaultLookup().find(symbol).orElseThrow(
                () -> new UnsupportedOperationException("the C library has no " + symbol));
        return linker.downcallHandle(f, d, options);
    }

    private static final class Calls {
        static final StructLayout CAPTURE = Errno.CAPTURE;
        static final Linker.Option CCS = Errno.CCS;
        static final MethodHandle SHM_OPEN = PLATFORM.variadicOpen()
                ? handle("shm_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                        Linker.Option.firstVariadicArg(2), CCS)
                : handle("shm_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), CCS);
        static final MethodHandle SHM_UNLINK = handle("shm_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS), CCS);
        static final MethodHandle FTRUNCATE = handle("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
        static final MethodHandle FSTAT = handle(PLATFORM.fstatSymbol(), FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), CCS);
        static final MethodHandle MMAP = handle("mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CCS);
        static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        /** mode_t is 16-bit on macOS, 32-bit on Linux. */
        static final MethodHandle UMASK = PLATFORM.shortMode()
                ? handle("umask", FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT))
                : handle("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    }

    private static void requireSupported() throws RegionException {
        if (PLATFORM == null) {
            throw new RegionException(RegionError.IO, "shared memory is not supported on "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + "; supported: Linux (x86_64, aarch64) and macOS (arm64, x86_64)");
        }
        try {
            Objects.requireNonNull(Calls.CLOSE); // links every call once
        } catch (LinkageError | UnsupportedOperationException e) {
            Throwable why = e instanceof ExceptionInInitializerError i && i.getCause() != null ? i.getCause() : e;
            throw new RegionException(RegionError.IO, "shared memory is not available from this C library ("
                    + why.getMessage() + "); needed: shm_open and fstat as exported by glibc 2.34 or later, or macOS", e);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) Errno.ERRNO.get(state, 0L);
    }

    private static String describe(int errno) {
        return switch (errno) {
            case ENOENT -> "no such object (ENOENT)";
            case EACCES -> "permission denied (EACCES)";
            case EEXIST -> "it exists (EEXIST)";
            default -> "errno " + errno;
        };
    }

    /**
     * Creates {@code name} anew ({@code O_CREAT|O_EXCL|O_RDWR}) with exactly {@code mode} and returns
     * its descriptor.
     */
    static int create(String name, int mode) throws RegionException {
        requireSupported();
        synchronized (SharedMemory.class) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment state = a.allocate(Calls.CAPTURE);
                MemorySegment n = a.allocateFrom(name);
                // the umask could only take group/other bits away: leave it alone for an owner-only mode
                boolean clear = (mode & 077) != 0;
                int old = clear ? umask(0) : 0;
                int fd;
                try {
                    fd = (int) Calls.SHM_OPEN.invokeExact(state, n, O_RDWR | PLATFORM.oCreat() | PLATFORM.oExcl(), mode);
                } finally {
                    if (clear) {
                        umask(old);
                    }
                }
                if (fd < 0) {
                    throw new RegionException(RegionError.OPEN, "shared memory " + name + ": cannot create it: "
                            + describe(errno(state)));
                }
                return fd;
            } catch (RegionException e) {
                throw e;
            } catch (Throwable t) {
                throw new RegionException(RegionError.IO, "shared memory " + name + ": shm_open failed: " + t, t);
            }
        }
    }

    private static int umask(int mask) throws Throwable {
        if (PLATFORM.shortMode()) {
            return Short.toUnsignedInt((short) Calls.UMASK.invokeExact((short) mask));
        }
        return (int) Calls.UMASK.invokeExact(mask);
    }

    /** Opens the existing {@code name} read-write; -1 if there is none. */
    static int openExisting(String name) throws RegionException {
        requireSupported();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            int fd = (int) Calls.SHM_OPEN.invokeExact(state, a.allocateFrom(name), O_RDWR, 0);
            if (fd >= 0) {
                return fd;
            }
            int e = errno(state);
            if (e == ENOENT) {
                return -1;
            }
            throw new RegionException(RegionError.OPEN, "shared memory " + name + ": cannot open it: " + describe(e));
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, "shared memory " + name + ": shm_open failed: " + t, t);
        }
    }

    /** Removes {@code name}; false if there was none. */
    static boolean unlink(String name) throws RegionException {
        requireSupported();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            int rc = (int) Calls.SHM_UNLINK.invokeExact(state, a.allocateFrom(name));
            if (rc == 0) {
                return true;
            }
            int e = errno(state);
            if (e == ENOENT) {
                return false;
            }
            if (e == EACCES) {
                throw new RegionException(RegionError.FILE_OWNER, "shared memory " + name + ": cannot remove it: "
                        + describe(e) + "; only its owner may replace it");
            }
            throw new RegionException(RegionError.IO, "shared memory " + name + ": cannot remove it: " + describe(e));
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, "shared memory " + name + ": shm_unlink failed: " + t, t);
        }
    }

    static Stat stat(int fd, String name) throws RegionException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            MemorySegment st = a.allocate(PLATFORM.statSize(), 8);
            int rc = (int) Calls.FSTAT.invokeExact(state, fd, st);
            if (rc != 0) {
                throw new RegionException(RegionError.OPEN, "shared memory " + name + ": fstat failed: "
                        + describe(errno(state)));
            }
            int mode = PLATFORM.shortMode() ? Short.toUnsignedInt(st.get(JAVA_SHORT, PLATFORM.modeOffset()))
                    : st.get(JAVA_INT, PLATFORM.modeOffset());
            long uid = Integer.toUnsignedLong(st.get(JAVA_INT, PLATFORM.uidOffset()));
            return new Stat(mode, uid, st.get(JAVA_LONG, PLATFORM.sizeOffset()));
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, "shared memory " + name + ": fstat failed: " + t, t);
        }
    }

    static void truncate(int fd, long size, String name) throws RegionException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            int rc = (int) Calls.FTRUNCATE.invokeExact(state, fd, size);
            if (rc != 0) {
                throw new RegionException(RegionError.IO, "shared memory " + name + ": cannot size it to " + size
                        + " bytes: " + describe(errno(state)));
            }
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, "shared memory " + name + ": ftruncate failed: " + t, t);
        }
    }

    /**
     * Maps {@code size} bytes of {@code fd} read-write and shared; the mapping is released
     * ({@code munmap}) when {@code arena} closes.
     */
    static MemorySegment map(int fd, long size, Arena arena, String name) throws RegionException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Calls.CAPTURE);
            MemorySegment p = (MemorySegment) Calls.MMAP.invokeExact(state, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (p.address() == -1L || p.address() == 0L) {
                throw new RegionException(RegionError.MMAP, "shared memory " + name + ": cannot map " + size
                        + " bytes: " + describe(errno(state)));
            }
            long address = p.address();
            return p.reinterpret(size, arena, s -> unmap(address, size));
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, "shared memory " + name + ": mmap failed: " + t, t);
        }
    }

    private static void unmap(long address, long size) {
        try {
            int ignored = (int) Calls.MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    // ---- sealed memfds: the file transport on Linux (abi.h section 4) -----------------------------

    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;
    private static final int F_SEAL_SEAL = 1;
    private static final int F_SEAL_SHRINK = 2;
    private static final int F_SEAL_GROW = 4;

    /** Linux's memfd calls, linked only when first used (macOS has none of them). */
    private static final class Memfd {
        static final MethodHandle MEMFD_CREATE = handle("memfd_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Errno.CCS);
        static final MethodHandle FCHMOD = handle("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
                Errno.CCS);
        /** returns the error number itself */
        static final MethodHandle POSIX_FALLOCATE = handle("posix_fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
        /** int fcntl(int fd, int cmd, ...): the seals are the first variadic argument */
        static final MethodHandle FCNTL_INT = handle("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2),
                Errno.CCS);
        /** int open(const char *path, int flags, ...): no mode (nothing is created) */
        static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(2), Errno.CCS);
        static final MethodHandle FCNTL = handle("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
                Errno.CCS);
    }

    /** Whether this system has sealed memfds (Linux). */
    static boolean memfdSupported() {
        return PLATFORM != null && PLATFORM.name().startsWith("Linux");
    }

    /**
     * A memfd {@code vocana.<deviceId>} of exactly {@code size} bytes: mode 0600, every page allocated
     * ({@code posix_fallocate}, so a memory shortage fails here, not as a fault in a mapping later),
     * sealed {@code F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL}: nobody, this process included, can ever
     * change its size, so no mapping of it can take SIGBUS. Mirrors {@code vocana_region_create_sealed}.
     * Returns the descriptor, which must stay open while the region is published.
     */
    static int createSealed(String deviceId, long size, String where) throws RegionException {
        if (!memfdSupported()) {
            throw new RegionException(RegionError.IO, where + ": sealed memory is Linux's; on "
                    + System.getProperty("os.name") + " the host uses shared memory (-Dvocana.region.transport=shm)");
        }
        int fd = -1;
        boolean done = false;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Errno.CAPTURE);
            fd = (int) Memfd.MEMFD_CREATE.invokeExact(state, a.allocateFrom("vocana." + deviceId),
                    MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw new RegionException(RegionError.OPEN, where + ": memfd_create failed: " + describe(errno(state)));
            }
            if ((int) Memfd.FCHMOD.invokeExact(state, fd, 0600) != 0) {
                throw new RegionException(RegionError.IO, where + ": fchmod 0600 failed: " + describe(errno(state)));
            }
            int e = (int) Memfd.POSIX_FALLOCATE.invokeExact(fd, 0L, size);
            if (e != 0) {
                throw new RegionException(RegionError.MMAP, where + ": cannot allocate " + size + " bytes of memory: "
                        + describe(e));
            }
            if ((int) Memfd.FCNTL_INT.invokeExact(state, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
                throw new RegionException(RegionError.IO, where + ": cannot seal it: " + describe(errno(state)));
            }
            done = true;
            return fd;
        } catch (RegionException e) {
            throw e;
        } catch (Throwable t) {
            throw new RegionException(RegionError.IO, where + ": memfd_create or sealing failed: " + t, t);
        } finally {
            if (!done) {
                close(fd);
            }
        }
    }

    /** open(2) of a path read-write (following links: a region's name); -1 if it cannot be opened. */
    static int openPath(java.nio.file.Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Errno.CAPTURE);
            return (int) Memfd.OPEN.invokeExact(state, a.allocateFrom(path.toString()), O_RDWR);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Whether the file behind {@code fd} can never shrink ({@code F_SEAL_SHRINK}); false on error. */
    static boolean sealedAgainstShrinking(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Errno.CAPTURE);
            int seals = (int) Memfd.FCNTL.invokeExact(state, fd, F_GET_SEALS);
            return seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) Calls.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }

}
