/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.vocana.host.ring.RegionLayout.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;

/**
 * The host's side of one device region: it owns the file, publishes it, keeps it alive and
 * withdraws it, following abi.h section 4 step by step.
 *
 * <p><b>Creation</b> ({@link #create}, the file transport, Linux): the folder is created 0700 if
 * missing and must otherwise be a 0700 directory of this user (an existing {@code <id>.vreg} must be
 * this user's: a link, or a regular 0600-or-narrower file an older host left, else the host refuses
 * to replace it); then
 * <ol>
 * <li>a memfd is created ({@link SharedMemory#createSealed}): mode 0600, every page allocated (a
 * memory shortage fails here, not as a fault later), sealed against shrinking and growing, so that
 * nobody can ever truncate it under a device's mapping (which would kill the device's process, an
 * application like a call client, with SIGBUS);</li>
 * <li>it is mapped and formatted exactly like {@code vocana_region_format}: magic 0 (release), every
 * identity field, heartbeat 0, both rings' positions equal and counters 0, ring data zero, then the
 * non-zero generation;</li>
 * <li>{@code host_flags = RUNNING};</li>
 * <li>{@code magic} stored last with release;</li>
 * <li>it is published: a symbolic link {@code .<id>.<random>.tmp -> /proc/<pid>/fd/<n>} is renamed
 * onto {@code <id>.vreg} ({@code ATOMIC_MOVE}), replacing an older region;</li>
 * <li>the replaced region, if any, is withdrawn: {@code host_flags = SHUTDOWN} in it, so a device
 * still attached to it (its host crashed, say) detaches at once and re-attaches to the new one
 * instead of waiting for the heartbeat timeout.</li>
 * </ol>
 * The temporary name starts with '.', which no device id may, so it can never be taken for a
 * region. The memfd lives as long as this host holds its descriptor or a device maps it; after a
 * host crash the link dangles (the device side finds nothing to open and waits) until the next
 * host replaces it.
 *
 * <p><b>Liveness</b>: call {@link #heartbeat()} at least every {@value RegionLayout#HEARTBEAT_PERIOD_MS}
 * ms from any thread; the device side detaches after {@value RegionLayout#HEARTBEAT_TIMEOUT_MS} ms
 * without a change and uses a fresh region only once it has seen the heartbeat move.
 *
 * <p><b>Restart</b>: every instance has a new generation ({@link #newGeneration()}). {@link #recreate}
 * publishes a new region over the old one and then withdraws the old one, so an attached device
 * detaches at once and re-attaches to the new one. A host restarted after a crash simply calls
 * {@link #create} again (which withdraws the crashed host's region as above, if a device still maps
 * it).
 *
 * <p><b>Self-check</b> ({@link #checkIntact}): whether the name still links to this region and its
 * header still validates as published; the device's host calls it every second and re-creates a
 * region that was unlinked, replaced or damaged.
 *
 * <p><b>Stop</b> ({@link #close}): {@code host_flags = SHUTDOWN} (release), unlink (only if the name
 * still links to this region), unmap, close the memfd.
 *
 * <p>Threads: the control methods ({@code create}, {@code open}, {@code recreate}, {@code close},
 * the endpoint factories) are for control threads. {@link #heartbeat()} may run on any thread. The
 * endpoints ({@link ToHostReader}, {@link FromHostWriter}) are for the audio thread (one thread per
 * endpoint at a time). {@link #close()} may run while they are in use: every access to the mapping
 * goes through a gate (two uncontended atomic adds per call, like the C device's IO gate), close
 * waits for a call in progress to leave, and later calls deliver silence / drop without touching
 * the released mapping.
 */
public final class DeviceRegion implements AutoCloseable {

    /** Steps of creation, observable by tests (package-private). */
    enum Step {
        /** memfd created, sized, sealed and mapped; everything still zero */
        CREATED,
        /** every field written, magic still 0 */
        FORMATTED,
        /** magic published (release); not yet linked under its name */
        PUBLISHED,
        /** the link renamed onto its final name */
        RENAMED
    }

    @FunctionalInterface
    interface Observer {
        void step(Step step, Path currentPath, MemorySegment region);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Path file;
    private final String deviceId;
    private final String name;
    private final int sampleRate;
    private final int channels;
    private final int capacity;
    private final int maxIoFrames;
    private final long generation;
    private final long toHostStart;
    private final long fromHostStart;
    private final Arena arena;
    private final MemorySegment region;
    /** The memfd behind a region file (-1 for shared memory) and what its link says. */
    private final int memfd;
    private final Path linkTarget;
    /** The shared-memory object's name ("/vocana.<id>"), or null for a region file. */
    private final String shmName;
    private final int shmMode;
    private final Gate gate = new Gate();
    private volatile boolean closed;
    private boolean readerTaken;
    private boolean writerTaken;

    private DeviceRegion(Path dir, Path file, String deviceId, String name, int sampleRate, int channels,
            int capacity, int maxIoFrames, long generation, long toHostStart, long fromHostStart, Arena arena,
            MemorySegment region, int memfd, Path linkTarget) {
        this(dir, file, deviceId, name, sampleRate, channels, capacity, maxIoFrames, generation, toHostStart,
                fromHostStart, arena, region, memfd, linkTarget, null, 0);
    }

    private DeviceRegion(Path dir, Path file, String deviceId, String name, int sampleRate, int channels,
            int capacity, int maxIoFrames, long generation, long toHostStart, long fromHostStart, Arena arena,
            MemorySegment region, int memfd, Path linkTarget, String shmName, int shmMode) {
        this.shmName = shmName;
        this.shmMode = shmMode;
        this.dir = dir;
        this.file = file;
        this.deviceId = deviceId;
        this.name = name;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.capacity = capacity;
        this.maxIoFrames = maxIoFrames;
        this.generation = generation;
        this.toHostStart = toHostStart;
        this.fromHostStart = fromHostStart;
        this.arena = arena;
        this.region = region;
        this.memfd = memfd;
        this.linkTarget = linkTarget;
    }

    /** A fresh random non-zero 64-bit generation (a new one for every host instance). */
    public static long newGeneration() {
        long g;
        do {
            g = RANDOM.nextLong();
        } while (g == 0);
        return g;
    }

    /** {@link #create} in {@link RegionDirectory#defaultDirectory()} with a {@link #newGeneration()}. */
    public static DeviceRegion create(String deviceId, String name, int sampleRate, int channels, int maxIoFrames)
            throws RegionException {
        return create(RegionDirectory.defaultDirectory(), deviceId, name, sampleRate, channels, maxIoFrames,
                newGeneration());
    }

    /**
     * Creates and publishes {@code <dir>/<deviceId>.vreg} (a link to a sealed memfd), replacing an
     * older region of this device.
     *
     * @param dir         the per-user folder (created 0700 if missing; its parent must exist)
     * @param deviceId    1..31 characters of [A-Za-z0-9_.-], not starting with '.'
     * @param name        display name, at most 63 UTF-8 bytes, no control characters ({@code null}: "")
     * @param sampleRate  8000..384000 Hz
     * @param channels    1..32
     * @param maxIoFrames largest IO buffer of the device, 1..16384 (sets the capacity, see
     *                    {@link RegionLayout#capacityFor})
     * @param generation  non-zero and different from the replaced region's
     * @throws RegionException with a one-line message naming the path and what is required
     */
    public static DeviceRegion create(Path dir, String deviceId, String name, int sampleRate, int channels,
            int maxIoFrames, long generation) throws RegionException {
        return create(dir, deviceId, name, sampleRate, channels, maxIoFrames, generation, 0L, null);
    }

    static DeviceRegion create(Path dir, String deviceId, String name, int sampleRate, int channels,
            int maxIoFrames, long generation, long startPos, Observer observer) throws RegionException {
        Objects.requireNonNull(dir, "dir");
        String displayName = name == null ? "" : name;
        byte[] nameBytes = checkParameters(deviceId, displayName, sampleRate, channels, generation);
        int capacity = checkedCapacity(deviceId, sampleRate, maxIoFrames);
        return createFile(dir, deviceId, displayName, nameBytes, sampleRate, channels, capacity, maxIoFrames,
                generation, startPos, observer);
    }

    /** System property: the mode of shared-memory regions, in octal (see {@link #sharedMode}). */
    public static final String SHM_MODE_PROPERTY = "vocana.region.shmMode";

    /**
     * Mode of a shared-memory region: {@value #SHM_MODE_PROPERTY} if set, else on macOS {@code 0666},
     * because the HAL driver runs as {@code _coreaudiod} (another user, in no group of the user's;
     * macOS cannot change a shared-memory object's owner or group, so only "others" can let it
     * in); elsewhere {@code 0600}. {@code 0606} may keep other local users out on macOS (the
     * object's group, the user's, gets nothing, and ordinary accounts share the group
     * {@code staff}); it has not been tried on a Mac yet.
     */
    public static int defaultSharedMode() throws RegionException {
        return sharedMode(System.getProperty(SHM_MODE_PROPERTY), System.getProperty("os.name", ""));
    }

    static int sharedMode(String property, String osName) throws RegionException {
        if (property == null || property.isBlank()) {
            return RegionTransport.isMacOs(osName) ? 0666 : 0600;
        }
        String v = property.strip();
        if (!v.matches("0?[0-7]{3}") || (Integer.parseInt(v, 8) & 0600) != 0600) {
            throw new RegionException(RegionError.ARG, "-D" + SHM_MODE_PROPERTY + "=" + RegionDirectory.printable(property)
                    + " refused; accepted: an octal mode with at least owner read-write, e.g. 0600, 0606 or 0666");
        }
        return Integer.parseInt(v, 8);
    }

    /**
     * Creates and publishes the POSIX shared-memory object {@code /vocana.<deviceId>} (the region
     * transport on macOS, see {@link RegionTransport}), replacing an older one of this user's:
     * <ol>
     * <li>an existing object under the name must belong to this user (else it is refused, never
     * touched); if it holds at least a header it is mapped (the header only) to be withdrawn later;</li>
     * <li>the name is removed ({@code shm_unlink}) and created anew ({@code O_CREAT|O_EXCL}, exactly
     * {@code mode}), sized ({@code ftruncate}: it reads as zeros) and mapped;</li>
     * <li>it is formatted and published as a file region is (magic last, with release);</li>
     * <li>the replaced object, if any, gets {@code host_flags = SHUTDOWN}, so a device still
     * attached to it detaches at once and attaches to the new one.</li>
     * </ol>
     * Between steps 2 and 3 the device side may open the new object and find magic 0; it retries
     * later. Device ids are at most 22 characters here (the object name has at most 30).
     *
     * @param mode permission bits of the object ({@link #defaultSharedMode()})
     */
    public static DeviceRegion createShared(String deviceId, String name, int sampleRate, int channels,
            int maxIoFrames, long generation, int mode) throws RegionException {
        String displayName = name == null ? "" : name;
        byte[] nameBytes = checkParameters(deviceId, displayName, sampleRate, channels, generation);
        if ((mode & ~0777) != 0) {
            throw new RegionException(RegionError.ARG, "device " + deviceId + ": mode " + RegionDirectory.octal(mode)
                    + " refused; accepted: permission bits 0000..0777");
        }
        String shm = SharedMemory.nameFor(deviceId);
        long uid = RegionDirectory.currentUid();
        int capacity = checkedCapacity(deviceId, sampleRate, maxIoFrames);
        long size = RegionLayout.regionSize(capacity, channels);
        Replaced replaced = Replaced.checkShared(shm, uid, generation);
        Arena arena = Arena.ofShared();
        boolean created = false;
        boolean done = false;
        try {
            SharedMemory.unlink(shm);
            int fd = SharedMemory.create(shm, mode);
            created = true;
            MemorySegment region;
            try {
                SharedMemory.truncate(fd, size, shm);
                region = SharedMemory.map(fd, size, arena, shm);
            } finally {
                SharedMemory.close(fd);
            }
            format(region, deviceId, nameBytes, sampleRate, channels, capacity, maxIoFrames, 0L, 0L);
            publishMagic(region, generation);
            if (replaced != null) {
                replaced.withdraw();
            }
            done = true;
            return new DeviceRegion(null, null, deviceId, displayName, sampleRate, channels, capacity, maxIoFrames,
                    generation, 0L, 0L, arena, region, -1, null, shm, mode);
        } finally {
            if (replaced != null) {
                replaced.close();
            }
            if (!done) {
                arena.close();
                if (created) {
                    try {
                        SharedMemory.unlink(shm);
                    } catch (RegionException ignored) {
                        // best effort: a half-made object is replaced by the next host
                    }
                }
            }
        }
    }

    /** The ring capacity for a device's largest IO buffer, which must be in range. */
    private static int checkedCapacity(String deviceId, int sampleRate, int maxIoFrames) throws RegionException {
        if (maxIoFrames < 1 || maxIoFrames > IO_FRAMES_MAX) {
            throw new RegionException(RegionError.ARG, "device " + deviceId + ": max IO frames " + maxIoFrames
                    + " out of range; accepted: 1.." + IO_FRAMES_MAX);
        }
        return capacityFor(sampleRate, maxIoFrames);
    }

    private static DeviceRegion createFile(Path dir, String deviceId, String name, byte[] nameBytes, int sampleRate,
            int channels, int capacity, int maxIoFrames, long generation, long startPos, Observer observer)
            throws RegionException {
        long uid = RegionDirectory.currentUid();
        RegionDirectory.ensureDirectory(dir, uid);
        Path file = RegionDirectory.regionFile(dir, deviceId);
        Replaced replaced = Replaced.check(file, uid, generation);
        try {
            return writeAndRename(dir, file, deviceId, name, nameBytes, sampleRate, channels, capacity, maxIoFrames,
                    generation, startPos, observer, replaced);
        } finally {
            if (replaced != null) {
                replaced.close();
            }
        }
    }

    private static DeviceRegion writeAndRename(Path dir, Path file, String deviceId, String name, byte[] nameBytes,
            int sampleRate, int channels, int capacity, int maxIoFrames, long generation, long startPos,
            Observer observer, Replaced replaced) throws RegionException {
        long size = RegionLayout.regionSize(capacity, channels);
        Path tmp = dir.resolve("." + deviceId + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
        Arena arena = Arena.ofShared();
        int fd = -1;
        boolean linked = false;
        boolean done = false;
        try {
            fd = SharedMemory.createSealed(deviceId, size, "region " + file);
            Path target = Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
            MemorySegment region = SharedMemory.map(fd, size, arena, file.toString());
            notify(observer, Step.CREATED, target, region);
            format(region, deviceId, nameBytes, sampleRate, channels, capacity, maxIoFrames, startPos, startPos);
            notify(observer, Step.FORMATTED, target, region);
            publishMagic(region, generation);
            notify(observer, Step.PUBLISHED, target, region);
            Files.createSymbolicLink(tmp, target);
            linked = true;
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            linked = false;
            if (replaced != null) {
                replaced.withdraw();
            }
            notify(observer, Step.RENAMED, file, region);
            done = true;
            return new DeviceRegion(dir, file, deviceId, name, sampleRate, channels, capacity, maxIoFrames,
                    generation, startPos, startPos, arena, region, fd, target);
        } catch (AtomicMoveNotSupportedException e) {
            throw new RegionException(RegionError.IO, "region " + file + ": cannot rename " + tmp
                    + " onto it atomically (" + e.getMessage() + ")", e);
        } catch (IOException | UnsupportedOperationException e) {
            throw new RegionException(RegionError.IO, "region " + file + ": cannot link " + tmp + " or rename it: " + e, e);
        } finally {
            if (!done) {
                arena.close();
                SharedMemory.close(fd);
                if (linked) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // best effort; a leftover dot-name is never taken for a region
                    }
                }
            }
        }
    }

    /**
     * Publishes a new region for the same device with a new generation over this one, then withdraws
     * and releases this one ({@link #close()}: host_flags SHUTDOWN, so an attached device detaches
     * at once and re-attaches to the new file; the new file is not unlinked). The endpoints of this
     * instance go silent (reads give silence, writes drop); take new ones from the returned region.
     */
    public DeviceRegion recreate(long newGeneration) throws RegionException {
        checkOpen();
        byte[] nameBytes = checkParameters(deviceId, name, sampleRate, channels, newGeneration);
        if (newGeneration == generation) {
            throw new RegionException(RegionError.GENERATION_REUSED, "region " + location() + ": generation "
                    + Long.toUnsignedString(newGeneration) + " reused; " + RegionError.GENERATION_REUSED.description());
        }
        DeviceRegion next;
        if (shmName != null) {
            try {
                next = createShared(deviceId, name, sampleRate, channels, maxIoFrames, newGeneration, shmMode);
            } catch (RegionException e) {
                close(); // its name may be gone already: a device could never find it again
                throw e;
            }
        } else {
            next = createFile(dir, deviceId, name, nameBytes, sampleRate, channels, capacity, maxIoFrames,
                    newGeneration, 0L, null);
        }
        close();
        return next;
    }

    /** {@link #recreate(long)} with a {@link #newGeneration()}. */
    public DeviceRegion recreate() throws RegionException {
        return recreate(newGeneration());
    }

    /**
     * Bumps the heartbeat (atomic add, release). Call at least every
     * {@value RegionLayout#HEARTBEAT_PERIOD_MS} ms, from any thread; allocation-free. Returns false
     * (and does nothing) once the region is closed.
     */
    public boolean heartbeat() {
        if (!gate.enter()) {
            return false;
        }
        try {
            HEARTBEAT_VH.getAndAddRelease(region, 0L, 1L);
            return true;
        } finally {
            gate.leave();
        }
    }

    /**
     * Publishes the host's processing latency in frames (on top of one IO buffer: the latency of
     * the chain in use) for the device side to report (release store; abi.h section 4). Any
     * thread; allocation-free; does nothing once the region is closed.
     */
    public void publishLatency(int frames) {
        if (frames < 0) {
            throw new IllegalArgumentException("latency " + frames + " < 0");
        }
        if (!gate.enter()) {
            return;
        }
        try {
            LATENCY_VH.setRelease(region, 0L, frames);
        } finally {
            gate.leave();
        }
    }

    /** The latency last published with {@link #publishLatency}. */
    public int publishedLatency() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return (int) LATENCY_VH.getAcquire(region, 0L);
        } finally {
            gate.leave();
        }
    }

    /** The consumer of the "to host" ring; one per region. */
    public synchronized ToHostReader toHostReader() {
        checkOpen();
        if (readerTaken) {
            throw new IllegalStateException("region " + location() + ": the to-host reader was already taken (one consumer per ring)");
        }
        readerTaken = true;
        return new ToHostReader(region, gate, ringDataOffset(capacity, channels, RING_TO_HOST), capacity, channels,
                toHostStart);
    }

    /** The producer of the "from host" ring; one per region. */
    public synchronized FromHostWriter fromHostWriter() {
        checkOpen();
        if (writerTaken) {
            throw new IllegalStateException("region " + location() + ": the from-host writer was already taken (one producer per ring)");
        }
        writerTaken = true;
        return new FromHostWriter(region, gate, ringDataOffset(capacity, channels, RING_FROM_HOST), capacity, channels,
                fromHostStart);
    }

    /**
     * Orderly stop (abi.h section 4): host_flags = SHUTDOWN (release), unlink the file if its path
     * still names this region (not a newer one renamed over it), release the mapping. Idempotent.
     * Safe while the audio thread still calls the endpoints: close waits until a call in progress
     * has left (the {@link Gate}); later calls read silence or drop, counted, and touch nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        gate.closeAndDrain();
        HOST_FLAGS_VH.setRelease(region, 0L, HOST_SHUTDOWN);
        if (shmName != null) {
            unlinkIfStillOurs();
            arena.close();
            return;
        }
        try {
            if (linksHere()) {
                Files.delete(file);
            }
        } catch (NoSuchFileException gone) {
            // removed by someone else: nothing to do
        } catch (IOException ignored) {
            // cannot remove it: the device side still detaches (SHUTDOWN) and a new host replaces it
        }
        arena.close();
        SharedMemory.close(memfd);
    }

    /** Whether the region's name still links to this region's memfd. */
    private boolean linksHere() throws IOException {
        return Files.isSymbolicLink(file) && Files.readSymbolicLink(file).equals(linkTarget);
    }

    /**
     * The self-check (control threads, about a microsecond of work plus one {@code readlink}): returns
     * normally if the region is still published as this host made it, else throws with the specific
     * reason in one line: {@link RegionError#OPEN} if its name was removed or now names something else
     * (another region, a file), and the validator's error ({@link RegionValidator}, the device side's
     * rules) or {@link RegionError#CHANGED} (another generation) if its header was damaged. The host
     * then re-creates the region ({@link #recreate}); a device attached to it follows.
     */
    public void checkIntact() throws RegionException {
        checkOpen();
        if (file != null) {
            boolean here;
            try {
                here = linksHere();
            } catch (IOException e) {
                here = false;
            }
            if (!here) {
                String now = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? "names something else now" : "was removed";
                throw new RegionException(RegionError.OPEN, "region " + file + ": its name " + now);
            }
        }
        if (!gate.enter()) {
            throw new IllegalStateException("region " + location() + " is closed");
        }
        try {
            RegionInfo info;
            try {
                info = RegionValidator.validate(region, deviceId, sampleRate, channels);
            } catch (RegionException e) {
                throw new RegionException(e.error(), "region " + location() + " damaged: " + e.getMessage(), e);
            }
            if (info.generation() != generation || info.capacityFrames() != capacity) {
                throw new RegionException(RegionError.CHANGED, "region " + location() + " damaged: generation "
                        + Long.toHexString(info.generation()) + " and capacity " + info.capacityFrames()
                        + " where this host published " + Long.toHexString(generation) + " and " + capacity);
            }
        } finally {
            gate.leave();
        }
    }

    /** Removes the shared-memory name if it still holds this region (not a newer host's object). */
    private void unlinkIfStillOurs() {
        try {
            Replaced current = Replaced.checkShared(shmName, RegionDirectory.currentUid(), 0L);
            if (current != null) {
                boolean ours;
                try {
                    ours = current.generation() == generation;
                } finally {
                    current.close();
                }
                if (ours) {
                    SharedMemory.unlink(shmName);
                }
            }
        } catch (RegionException ignored) {
            // not ours or cannot look: leave it; the device side still detaches (SHUTDOWN)
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** The region file; null for a shared-memory region ({@link #sharedMemoryName()}). */
    public Path file() {
        return file;
    }

    /** The region folder; null for a shared-memory region. */
    public Path directory() {
        return dir;
    }

    /** The shared-memory object's name ({@code /vocana.<id>}); null for a region file. */
    public String sharedMemoryName() {
        return shmName;
    }

    /** Where the region is, for people: the file's path or {@code shm:/vocana.<id>}. */
    public String location() {
        return shmName != null ? "shm:" + shmName : file.toString();
    }

    public String deviceId() {
        return deviceId;
    }

    public String name() {
        return name;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    /** Frames per ring. */
    public int capacityFrames() {
        return capacity;
    }

    /** The largest IO buffer the capacity was derived from; 0 for a region taken over by {@link #open}. */
    public int maxIoFrames() {
        return maxIoFrames;
    }

    public long generation() {
        return generation;
    }

    public long regionSize() {
        return region.byteSize();
    }

    /** Current heartbeat value (informational); 0 once closed. */
    public long heartbeatValue() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return (long) HEARTBEAT_VH.getAcquire(region, 0L);
        } finally {
            gate.leave();
        }
    }

    /** The device side's flags ({@link RegionLayout#DEVICE_ATTACHED}); informational, untrusted; 0 once closed. */
    public int deviceFlags() {
        if (!gate.enter()) {
            return 0;
        }
        try {
            return (int) DEVICE_FLAGS_VH.getAcquire(region, 0L);
        } finally {
            gate.leave();
        }
    }

    /** The mapping, for tests in this package. */
    MemorySegment segment() {
        return region;
    }

    @Override
    public String toString() {
        return "DeviceRegion[" + location() + ", " + sampleRate + " Hz x " + channels + ", capacity " + capacity
                + ", generation " + Long.toHexString(generation) + (closed ? ", closed]" : "]");
    }

    // ---- the protocol steps ------------------------------------------------------------------------

    /** Mirror of vocana_region_format up to (not including) generation, host_flags and magic. */
    private static void format(MemorySegment r, String deviceId, byte[] nameBytes, int sampleRate, int channels,
            int capacity, int blockFrames, long toHostStart, long fromHostStart) {
        // 1. withdraw (a re-used region)
        MAGIC_VH.setRelease(r, 0L, 0L);
        VarHandle.releaseFence();
        // 2. fill everything
        r.set(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR, (short) ABI_MAJOR);
        r.set(ValueLayout.JAVA_SHORT, OFF_ABI_MINOR, (short) ABI_MINOR);
        r.set(ValueLayout.JAVA_INT, OFF_HEADER_SIZE, HEADER_SIZE);
        r.set(ValueLayout.JAVA_LONG, OFF_REGION_SIZE, RegionLayout.regionSize(capacity, channels));
        r.set(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE, sampleRate);
        r.set(ValueLayout.JAVA_INT, OFF_CHANNELS, channels);
        r.set(ValueLayout.JAVA_INT, OFF_CAPACITY, capacity);
        r.set(ValueLayout.JAVA_INT, OFF_RESERVED0, 0);
        r.asSlice(OFF_DEVICE_ID, DEVICE_ID_SIZE).fill((byte) 0);
        MemorySegment.copy(deviceId.getBytes(StandardCharsets.US_ASCII), 0, r, ValueLayout.JAVA_BYTE, OFF_DEVICE_ID,
                deviceId.length());
        r.asSlice(OFF_NAME, NAME_SIZE).fill((byte) 0);
        MemorySegment.copy(nameBytes, 0, r, ValueLayout.JAVA_BYTE, OFF_NAME, nameBytes.length);
        r.asSlice(OFF_RESERVED1, OFF_HEARTBEAT - OFF_RESERVED1).fill((byte) 0);
        HEARTBEAT_VH.setOpaque(r, 0L, 0L);
        r.asSlice(OFF_LATENCY, OFF_DEVICE_FLAGS - OFF_LATENCY).fill((byte) 0); // the rest of the host line
        // timing model (abi.h section 6): the block the host waits for; margin 0: the reader's default
        r.set(ValueLayout.JAVA_INT, OFF_BLOCK_FRAMES, blockFrames);
        r.set(ValueLayout.JAVA_INT, OFF_MARGIN_FRAMES, 0);
        // device_flags belongs to the device side (abi.h section 3): not written by the host
        initRing(r, TO_HOST, toHostStart);
        initRing(r, FROM_HOST, fromHostStart);
        r.asSlice(HEADER_SIZE).fill((byte) 0);
    }

    private static void initRing(MemorySegment r, long ctl, long start) {
        r.asSlice(ctl, RING_CTL_SIZE).fill((byte) 0); // counters, stamps, wake-up words and padding
        WRITE_POS_VH.setOpaque(r, ctl, start);
        OVERRUNS_VH.setOpaque(r, ctl, 0L);
        OVERRUN_FRAMES_VH.setOpaque(r, ctl, 0L);
        PRODUCER_FAULTS_VH.setOpaque(r, ctl, 0L);
        READ_POS_VH.setOpaque(r, ctl, start);
        UNDERRUNS_VH.setOpaque(r, ctl, 0L);
        UNDERRUN_FRAMES_VH.setOpaque(r, ctl, 0L);
        CONSUMER_FAULTS_VH.setOpaque(r, ctl, 0L);
    }

    /** generation, host_flags = RUNNING, then magic with release: published last. */
    private static void publishMagic(MemorySegment r, long generation) {
        GENERATION_VH.setOpaque(r, 0L, generation);
        HOST_FLAGS_VH.setOpaque(r, 0L, HOST_RUNNING);
        MAGIC_VH.setRelease(r, 0L, MAGIC);
    }

    private static byte[] checkParameters(String deviceId, String name, int sampleRate, int channels, long generation)
            throws RegionException {
        if (!RegionDirectory.deviceIdValid(deviceId)) {
            throw new RegionException(RegionError.DEVICE_ID, "device id '" + RegionDirectory.printable(deviceId)
                    + "' refused: " + RegionError.DEVICE_ID.description());
        }
        byte[] nameBytes;
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(name));
            nameBytes = new byte[b.remaining()];
            b.get(nameBytes);
        } catch (CharacterCodingException e) {
            throw new RegionException(RegionError.NAME, "device " + deviceId + ": name '" + RegionDirectory.printable(name)
                    + "' is not valid Unicode; " + RegionError.NAME.description());
        }
        boolean control = false;
        for (byte c : nameBytes) {
            control |= (c & 0xff) < 0x20 || c == 0x7f;
        }
        if (nameBytes.length >= NAME_SIZE || control) {
            throw new RegionException(RegionError.NAME, "device " + deviceId + ": name '" + RegionDirectory.printable(name)
                    + "' (" + nameBytes.length + " bytes) refused; " + RegionError.NAME.description());
        }
        if (sampleRate < RATE_MIN || sampleRate > RATE_MAX) {
            throw new RegionException(RegionError.RATE, "device " + deviceId + ": sample rate " + sampleRate
                    + " refused; " + RegionError.RATE.description());
        }
        if (channels < CHANNELS_MIN || channels > CHANNELS_MAX) {
            throw new RegionException(RegionError.CHANNELS, "device " + deviceId + ": " + channels
                    + " channels refused; " + RegionError.CHANNELS.description());
        }
        if (generation == 0) {
            throw new RegionException(RegionError.GENERATION, "device " + deviceId + ": generation 0 refused; "
                    + RegionError.GENERATION.description());
        }
        return nameBytes;
    }

    /**
     * The region a new one replaces (an existing file under the final name). It must be one this
     * user may replace (regular file, its own, 0600 or narrower: checked first), must not carry the
     * new generation, and is withdrawn once the new file has been renamed over it: its header is
     * mapped (never more, and only if the file is at least a header long, so nothing is resized)
     * and, if it holds a published region, {@code host_flags = SHUTDOWN} is stored. A device still
     * attached to the old file (after a host crash, say) then detaches at once and re-attaches to
     * the new file, instead of waiting for the heartbeat timeout: the old inode's magic and
     * generation never change, so without this only the timeout would tell it.
     */
    private static final class Replaced implements AutoCloseable {
        private final Arena arena;
        private final MemorySegment header;

        private Replaced(Arena arena, MemorySegment header) {
            this.arena = arena;
            this.header = header;
        }

        /**
         * null if there is nothing to withdraw. The name may hold a link (an earlier host's region,
         * live or dangling) or a regular file (what hosts before the sealed transport made).
         */
        static Replaced check(Path file, long uid, long generation) throws RegionException {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            if (Files.isSymbolicLink(file)) {
                long owner;
                try {
                    owner = ((Number) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
                } catch (IOException | UnsupportedOperationException e) {
                    return null; // vanished meanwhile
                }
                if (owner != uid) {
                    throw new RegionException(RegionError.FILE_OWNER, "region " + file + ": a link of owner uid " + owner
                            + "; required: owner uid " + uid + " (refusing to replace it)");
                }
                return mapHeader(file, generation); // follows the link; a dangling one: nothing to withdraw
            }
            long size;
            try {
                size = RegionDirectory.checkFile(file, uid);
            } catch (RegionException e) {
                if (e.error() == RegionError.OPEN) {
                    return null; // vanished meanwhile
                }
                throw new RegionException(e.error(), e.getMessage() + " (refusing to replace it)", e);
            }
            if (size < HEADER_SIZE) {
                return null; // not a region: replaced, nothing to withdraw
            }
            return mapHeader(file, generation, LinkOption.NOFOLLOW_LINKS);
        }

        private static Replaced mapHeader(Path file, long generation, LinkOption... options) throws RegionException {
            Arena arena = Arena.ofConfined();
            MemorySegment header;
            Set<OpenOption> open = new java.util.HashSet<>(Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
            open.addAll(Set.of(options));
            try (FileChannel ch = FileChannel.open(file, open)) {
                if (ch.size() < HEADER_SIZE) {
                    arena.close();
                    return null;
                }
                header = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_SIZE, arena);
            } catch (IOException e) {
                arena.close();
                return null; // cannot look into it (a crashed host's link dangles): it is replaced all the same
            }
            if ((long) GENERATION_VH.getAcquire(header, 0L) == generation) {
                arena.close();
                throw new RegionException(RegionError.GENERATION_REUSED, "region " + file + ": generation "
                        + Long.toUnsignedString(generation) + " is the replaced region's; "
                        + RegionError.GENERATION_REUSED.description());
            }
            return new Replaced(arena, header);
        }

        /**
         * The shared-memory object under {@code shm}, or null if there is none or it is smaller than
         * a header (nothing to withdraw). It must belong to {@code uid}; a published one must not
         * carry {@code generation} (0: not checked).
         */
        static Replaced checkShared(String shm, long uid, long generation) throws RegionException {
            int fd = SharedMemory.openExisting(shm);
            if (fd < 0) {
                return null;
            }
            Arena arena = Arena.ofConfined();
            boolean keep = false;
            try {
                SharedMemory.Stat st = SharedMemory.stat(fd, shm);
                if (st.uid() != uid) {
                    throw new RegionException(RegionError.FILE_OWNER, "shared memory " + shm + ": owner uid " + st.uid()
                            + "; required: owner uid " + uid + " (refusing to replace another user's object)");
                }
                if (st.size() < HEADER_SIZE) {
                    return null;
                }
                MemorySegment header = SharedMemory.map(fd, HEADER_SIZE, arena, shm);
                if (generation != 0 && (long) GENERATION_VH.getAcquire(header, 0L) == generation) {
                    throw new RegionException(RegionError.GENERATION_REUSED, "shared memory " + shm + ": generation "
                            + Long.toUnsignedString(generation) + " is the replaced region's; "
                            + RegionError.GENERATION_REUSED.description());
                }
                keep = true;
                return new Replaced(arena, header);
            } finally {
                SharedMemory.close(fd);
                if (!keep) {
                    arena.close();
                }
            }
        }

        long generation() {
            return (long) GENERATION_VH.getAcquire(header, 0L);
        }

        /** After the rename: tell a device still attached to the old inode that its host is gone. */
        void withdraw() {
            if ((long) MAGIC_VH.getAcquire(header, 0L) == MAGIC) {
                HOST_FLAGS_VH.setRelease(header, 0L, HOST_SHUTDOWN);
            }
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private static void notify(Observer o, Step step, Path path, MemorySegment region) {
        if (o != null) {
            o.step(step, path, region);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("region " + location() + " is closed");
        }
    }
}
