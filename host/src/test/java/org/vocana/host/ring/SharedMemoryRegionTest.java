/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vocana.host.ring.RegionLayout.*;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared-memory transport (macOS's) exercised on Linux, where glibc keeps POSIX shared-memory
 * objects as files in {@code /dev/shm}: that folder lets the test see each object's mode, owner
 * and size from outside. The C side of the same transport is in {@link CCoreCrossCheckTest}.
 */
@SuppressWarnings("restricted")
class SharedMemoryRegionTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Path SHM = Path.of("/dev/shm");

    private String id;
    private Path object;

    @BeforeEach
    void freshName() {
        assumeTrue(Files.isDirectory(SHM), "needs Linux's /dev/shm to look at the objects");
        id = "t" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        object = SHM.resolve("vocana." + id);
    }

    @AfterEach
    void removeLeftovers() throws Exception {
        if (object != null) {
            Files.deleteIfExists(object);
        }
    }

    private DeviceRegion create(long generation, int mode) throws RegionException {
        return DeviceRegion.createShared(id, "Mic", 48000, 2, 256, generation, mode);
    }

    @Test
    void publishesAValidRegionUnderItsNameWithExactlyTheModeAskedForAndRemovesItOnClose() throws Exception {
        assumeTrue((umask() & 0066) != 0, "the process umask would not narrow 0666: nothing to show");
        try (DeviceRegion r = create(7, 0666)) { // 0666 although the umask would narrow it
            assertEquals("/vocana." + id, r.sharedMemoryName());
            assertEquals("shm:/vocana." + id, r.location());
            assertNull(r.file());
            assertEquals(0666, ((Number) Files.getAttribute(object, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777);
            assertEquals(RegionDirectory.currentUid(),
                    ((Number) Files.getAttribute(object, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue());
            assertEquals(r.regionSize(), Files.size(object));
            RegionInfo info = RegionValidator.validate(r.segment(), id, 48000, 2);
            assertEquals(7, info.generation());
            assertEquals(HOST_RUNNING, info.hostFlags());
            r.close();
            assertFalse(Files.exists(object), "an orderly stop removes the object");
            assertTrue(r.isClosed());
        }
        try (DeviceRegion r = create(8, 0600)) {
            assertEquals(0600, ((Number) Files.getAttribute(object, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777);
        }
    }

    @Test
    void aNewHostWithdrawsACrashedHostsObjectAndTheCrashedOneNeverRemovesTheNewOne() throws Exception {
        DeviceRegion crashed = create(1, 0600);
        Peek old = new Peek(crashed);
        try (DeviceRegion fresh = create(2, 0600)) {
            assertEquals(HOST_SHUTDOWN, old.hostFlags(), "the replaced object says SHUTDOWN");
            crashed.close(); // the crashed instance's leftovers
            assertTrue(Files.exists(object), "closing the old region leaves the new object");
            assertEquals(2, RegionValidator.validate(fresh.segment(), id, 0, 0).generation());
            DeviceRegion next = fresh.recreate(3);
            assertEquals(3, RegionValidator.validate(next.segment(), id, 0, 0).generation());
            assertTrue(fresh.isClosed());
            next.close();
            assertFalse(Files.exists(object));
        }
    }

    /** Reads host_flags of a region even after it was replaced (its mapping stays valid until close). */
    private record Peek(DeviceRegion region) {
        int hostFlags() {
            return (int) HOST_FLAGS_VH.getAcquire(region.segment(), 0L);
        }
    }

    @Test
    void anObjectTooSmallForAHeaderIsReplacedWithoutBeingRead() throws Exception {
        Files.write(object, new byte[100]);
        try (DeviceRegion r = create(5, 0600)) {
            assertEquals(r.regionSize(), Files.size(object));
        }
    }

    @Test
    void theGenerationOfTheReplacedRegionIsRefused() throws Exception {
        DeviceRegion first = create(5, 0600);
        try {
            RegionException e = assertThrows(RegionException.class, () -> create(5, 0600));
            assertEquals(RegionError.GENERATION_REUSED, e.error());
            assertTrue(Files.exists(object), "the refused create leaves the old object alone");
        } finally {
            first.close();
        }
    }

    @Test
    void badArgumentsAreRefusedWithWhatIsAccepted() {
        RegionException e = assertThrows(RegionException.class,
                () -> DeviceRegion.createShared("a23456789012345678901_3", "x", 48000, 2, 256, 1, 0600));
        assertEquals(RegionError.PATH_TOO_LONG, e.error());
        assertEquals("device id 'a23456789012345678901_3' is 23 characters; the shared-memory transport (macOS)"
                + " accepts at most 22 (the object name /vocana.a23456789012345678901_3 may have 30)", e.getMessage());
        e = assertThrows(RegionException.class, () -> DeviceRegion.createShared("../x", "x", 48000, 2, 256, 1, 0600));
        assertEquals(RegionError.DEVICE_ID, e.error());
        e = assertThrows(RegionException.class, () -> DeviceRegion.createShared(id, "x", 48000, 2, 256, 1, 01666));
        assertEquals("device " + id + ": mode 1666 refused; accepted: permission bits 0000..0777", e.getMessage());
        assertFalse(Files.exists(object));
    }

    /** This process's umask, from /proc/self/status (Linux). */
    private static int umask() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Umask:")) {
                return Integer.parseInt(line.substring(6).strip(), 8);
            }
        }
        throw new IllegalStateException("no Umask line in /proc/self/status");
    }

    @Test
    void theModeFollowsTheSystemUnlessTheProperty() throws Exception {
        assertEquals(0666, DeviceRegion.sharedMode(null, "Mac OS X"));
        assertEquals(0600, DeviceRegion.sharedMode(null, "Linux"));
        assertEquals(0606, DeviceRegion.sharedMode("0606", "Mac OS X"));
        assertEquals(0660, DeviceRegion.sharedMode("660", "Linux"));
        for (String bad : new String[] {"0406", "0777x", "8", "rw-rw-rw-", "01666"}) {
            RegionException e = assertThrows(RegionException.class, () -> DeviceRegion.sharedMode(bad, "Linux"));
            assertEquals("-Dvocana.region.shmMode=" + bad + " refused; accepted: an octal mode with at least owner"
                    + " read-write, e.g. 0600, 0606 or 0666", e.getMessage());
        }
    }

    @Test
    void theTransportFollowsTheSystemUnlessTheProperty() throws Exception {
        assertEquals(RegionTransport.SHARED_MEMORY, RegionTransport.choose(null, "Mac OS X"));
        assertEquals(RegionTransport.FILE, RegionTransport.choose(null, "Linux"));
        assertEquals(RegionTransport.SHARED_MEMORY, RegionTransport.choose(" ", "Mac OS X"), "blank: the default");
        assertEquals(RegionTransport.SHARED_MEMORY, RegionTransport.choose("shm", "Linux"));
        assertEquals(RegionTransport.FILE, RegionTransport.choose("file", "Mac OS X"));
        RegionException e = assertThrows(RegionException.class, () -> RegionTransport.choose("pipe", "Linux"));
        assertEquals("-Dvocana.region.transport=pipe refused; accepted: file, shm", e.getMessage());
    }
}
