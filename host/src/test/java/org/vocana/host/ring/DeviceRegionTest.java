/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vocana.host.ring.RegionLayout.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRegionTest {

    static final long GEN = 0x1234_5678_9ABC_DEF0L;

    @TempDir
    Path tmp;

    static int mode(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
    }

    static int modeUnchecked(Path p) {
        try {
            return mode(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static long owner(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    static boolean isRoot() throws RegionException {
        return RegionDirectory.currentUid() == 0;
    }

    Path dir() {
        return tmp.resolve("vocana");
    }

    DeviceRegion mic() throws RegionException {
        return DeviceRegion.create(dir(), "mic0", "Vocana Mic", 48000, 2, 512, GEN);
    }

    // ---- folder and file rules -----------------------------------------------------------------

    @Test
    void createsTheFolder0700AndTheFile0600UnderItsFinalName() throws Exception {
        try (DeviceRegion r = mic()) {
            assertEquals(0700, mode(dir()));
            assertEquals(RegionDirectory.currentUid(), owner(dir()));
            Path f = dir().resolve("mic0.vreg");
            assertEquals(f, r.file());
            assertTrue(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS));
            assertEquals(0600, mode(f));
            assertEquals(RegionDirectory.currentUid(), owner(f));
            assertEquals(regionSize(32768, 2), Files.size(f));
            try (Stream<Path> s = Files.list(dir())) {
                assertEquals(List.of(f), s.toList(), "no temporary file left behind");
            }
        }
    }

    @Test
    void refusesAFolderWithWiderPermissionsNamingPathModeAndRequirement() throws Exception {
        Files.createDirectory(dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        RegionException e = assertThrows(RegionException.class, this::mic);
        assertEquals(RegionError.DIR_MODE, e.error());
        String m = e.getMessage();
        assertTrue(m.contains(dir().toString()) && m.contains("0755") && m.contains("0700"), m);
        assertFalse(m.contains("\n"), m);
        assertFalse(Files.exists(dir().resolve("mic0.vreg")));
    }

    @Test
    void refusesAFolderWithNarrowerOrSpecialPermissionsToo() throws Exception {
        // the device side requires exactly 0700, so the host must not accept anything else
        for (String perms : new String[] {"rwx--x---", "r-x------", "rwx---rwx"}) {
            Files.createDirectories(dir());
            Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString(perms));
            RegionException e = assertThrows(RegionException.class, this::mic, perms);
            assertEquals(RegionError.DIR_MODE, e.error(), e.getMessage());
        }
        Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir(), "unix:mode", 01700); // sticky bit
        RegionException e = assertThrows(RegionException.class, this::mic);
        assertEquals(RegionError.DIR_MODE, e.error());
        assertTrue(e.getMessage().contains("1700"), e.getMessage());
    }

    @Test
    void refusesAFolderOwnedBySomeoneElse() throws Exception {
        assumeTrue(isRoot(), "changing a folder's owner needs root; the mode checks cover the non-root case");
        Files.createDirectory(dir());
        Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir(), "unix:uid", 4242);
        RegionException e = assertThrows(RegionException.class, this::mic);
        assertEquals(RegionError.DIR_OWNER, e.error());
        assertTrue(e.getMessage().contains(dir().toString()) && e.getMessage().contains("uid 4242")
                && e.getMessage().contains("required: owner uid 0"), e.getMessage());
    }

    @Test
    void refusesAFolderThatIsASymbolicLinkOrAFile() throws Exception {
        Path real = tmp.resolve("real");
        Files.createDirectory(real);
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(dir(), real);
        RegionException e = assertThrows(RegionException.class, this::mic);
        assertEquals(RegionError.DIR_NOT_DIR, e.error());
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        Files.delete(dir());
        Files.writeString(dir(), "x");
        assertEquals(RegionError.DIR_NOT_DIR, assertThrows(RegionException.class, this::mic).error());
    }

    @Test
    void refusesToReplaceAFileWithWiderPermissionsOrOfAnotherOwnerOrALink() throws Exception {
        RegionDirectory.ensureDirectory(dir(), RegionDirectory.currentUid());
        Path f = dir().resolve("mic0.vreg");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        RegionException e = assertThrows(RegionException.class, this::mic);
        assertEquals(RegionError.FILE_MODE, e.error());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("0644")
                && e.getMessage().contains("0600"), e.getMessage());
        assertEquals("old", Files.readString(f), "the refused file is left alone");
        Files.delete(f);

        Files.createSymbolicLink(f, tmp.resolve("elsewhere"));
        assertEquals(RegionError.FILE_TYPE, assertThrows(RegionException.class, this::mic).error());
        Files.delete(f);

        if (isRoot()) {
            Files.writeString(f, "old");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(f, "unix:uid", 4242);
            e = assertThrows(RegionException.class, this::mic);
            assertEquals(RegionError.FILE_OWNER, e.error());
            assertTrue(e.getMessage().contains("uid 4242"), e.getMessage());
            Files.delete(f);
        }
        // an own 0600 (or narrower) file is replaced
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        try (DeviceRegion r = mic()) {
            assertEquals(0600, mode(f));
            assertEquals(r.regionSize(), Files.size(f));
        }
    }

    @Test
    void refusesBadParametersWithTheSpecificReason() {
        Path d = dir();
        assertEquals(RegionError.DEVICE_ID, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, ".hidden", "", 48000, 2, 512, GEN)).error());
        assertEquals(RegionError.DEVICE_ID, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "a/b", "", 48000, 2, 512, GEN)).error());
        assertEquals(RegionError.DEVICE_ID, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "x".repeat(32), "", 48000, 2, 512, GEN)).error());
        assertEquals(RegionError.NAME, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "tab\there", 48000, 2, 512, GEN)).error());
        assertEquals(RegionError.NAME, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "é".repeat(32), 48000, 2, 512, GEN)).error()); // 64 bytes
        assertEquals(RegionError.NAME, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "bad\uD800", 48000, 2, 512, GEN)).error());
        assertEquals(RegionError.RATE, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "", 7999, 2, 512, GEN)).error());
        assertEquals(RegionError.CHANNELS, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "", 48000, 33, 512, GEN)).error());
        assertEquals(RegionError.ARG, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "", 48000, 2, 16385, GEN)).error());
        assertEquals(RegionError.GENERATION, assertThrows(RegionException.class,
                () -> DeviceRegion.create(d, "mic0", "", 48000, 2, 512, 0)).error());
        assertFalse(Files.exists(d), "nothing created for refused parameters");
    }

    @Test
    void directoryRulesMirrorTheCSide() throws Exception {
        assertEquals(Path.of("/run/user/1000/vocana"), RegionDirectory.forEnvironment("/run/user/1000", 1000));
        assertEquals(Path.of("/tmp/vocana-1000"), RegionDirectory.forEnvironment(null, 1000));
        assertEquals(Path.of("/tmp/vocana-1000"), RegionDirectory.forEnvironment("", 1000));
        assertEquals(Path.of("/tmp/vocana-501"), RegionDirectory.forEnvironment("run/user/501", 501));
        assertEquals(Path.of("/x/mic-1.vreg"), RegionDirectory.regionFile(Path.of("/x"), "mic-1"));
        assertEquals(RegionError.PATH_TOO_LONG, assertThrows(RegionException.class,
                () -> RegionDirectory.regionFile(Path.of("/" + "d".repeat(4090)), "mic0")).error());
        Path probe = Files.createTempFile(tmp, "uid", "");
        assertEquals(owner(probe), RegionDirectory.currentUid());
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        assertEquals(RegionDirectory.forEnvironment(xdg, RegionDirectory.currentUid()), RegionDirectory.defaultDirectory());
    }

    // ---- header and publication ----------------------------------------------------------------

    @Test
    void writesEveryHeaderFieldAsTheProtocolSays() throws Exception {
        try (DeviceRegion r = mic(); DeviceSide dev = DeviceSide.attach(r.file())) {
            MemorySegment m = dev.segment();
            assertEquals(MAGIC, m.get(ValueLayout.JAVA_LONG, OFF_MAGIC));
            assertEquals(ABI_MAJOR, m.get(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR));
            assertEquals(ABI_MINOR, m.get(ValueLayout.JAVA_SHORT, OFF_ABI_MINOR));
            assertEquals(HEADER_SIZE, m.get(ValueLayout.JAVA_INT, OFF_HEADER_SIZE));
            assertEquals(1024 + 2L * 32768 * 2 * 4, m.get(ValueLayout.JAVA_LONG, OFF_REGION_SIZE));
            assertEquals(GEN, m.get(ValueLayout.JAVA_LONG, OFF_GENERATION));
            assertEquals(48000, m.get(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE));
            assertEquals(2, m.get(ValueLayout.JAVA_INT, OFF_CHANNELS));
            assertEquals(32768, m.get(ValueLayout.JAVA_INT, OFF_CAPACITY));
            assertEquals(0, m.get(ValueLayout.JAVA_INT, OFF_RESERVED0));
            byte[] id = new byte[DEVICE_ID_SIZE];
            System.arraycopy("mic0".getBytes(StandardCharsets.US_ASCII), 0, id, 0, 4);
            assertArrayEquals(id, m.asSlice(OFF_DEVICE_ID, DEVICE_ID_SIZE).toArray(ValueLayout.JAVA_BYTE));
            byte[] name = new byte[NAME_SIZE];
            System.arraycopy("Vocana Mic".getBytes(StandardCharsets.UTF_8), 0, name, 0, 10);
            assertArrayEquals(name, m.asSlice(OFF_NAME, NAME_SIZE).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, m.get(ValueLayout.JAVA_LONG, OFF_HEARTBEAT));
            assertEquals(HOST_RUNNING, m.get(ValueLayout.JAVA_INT, OFF_HOST_FLAGS));
            assertEquals(0, m.get(ValueLayout.JAVA_INT, OFF_DEVICE_FLAGS));
            for (long ctl : new long[] {TO_HOST, FROM_HOST}) {
                for (long off = 0; off < RING_CTL_SIZE; off += 8) {
                    assertEquals(0, m.get(ValueLayout.JAVA_LONG, ctl + off), "ring field at " + (ctl + off));
                }
            }
            // every byte from reserved1 to the end of the header that is not a field is zero
            for (long off = OFF_RESERVED1; off < OFF_HEARTBEAT; off++) {
                assertEquals(0, m.get(ValueLayout.JAVA_BYTE, off));
            }
            RegionInfo info = dev.info();
            assertEquals(new RegionInfo(r.regionSize(), GEN, 32768L * 2 * 4, 48000, 2, 32768, HOST_RUNNING, "mic0",
                    "Vocana Mic"), info);
            assertEquals(32768, r.capacityFrames());
            assertEquals(512, r.maxIoFrames());
        }
    }

    @Test
    void magicIsPublishedLastAndTheFileAppearsOnlyAfterwards() throws Exception {
        Path target = dir().resolve("mic0.vreg");
        List<String> seen = new ArrayList<>();
        DeviceRegion.Observer o = (step, path, m) -> {
            long magic = (long) MAGIC_VH.getAcquire(m, 0L);
            switch (step) {
                case CREATED -> {
                    assertEquals(0, magic);
                    assertEquals(0, m.get(ValueLayout.JAVA_INT, OFF_ABI_MAJOR), "a fresh file reads as zeros");
                    assertTrue(path.getFileName().toString().startsWith(".mic0."), path.toString());
                    assertEquals(0600, modeUnchecked(path));
                    assertFalse(Files.exists(target));
                }
                case FORMATTED -> {
                    assertEquals(0, magic, "magic still 0 while the other fields are written");
                    assertEquals(ABI_MAJOR, m.get(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR));
            assertEquals(ABI_MINOR, m.get(ValueLayout.JAVA_SHORT, OFF_ABI_MINOR));
                    assertEquals(32768, m.get(ValueLayout.JAVA_INT, OFF_CAPACITY));
                    assertEquals(48000, m.get(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE));
                    // generation and RUNNING follow, right before magic (the order of vocana_region_format)
                    assertEquals(0, m.get(ValueLayout.JAVA_LONG, OFF_GENERATION));
                    assertEquals(0, m.get(ValueLayout.JAVA_INT, OFF_HOST_FLAGS));
                    assertFalse(Files.exists(target));
                }
                case PUBLISHED -> {
                    assertEquals(MAGIC, magic);
                    assertEquals(GEN, m.get(ValueLayout.JAVA_LONG, OFF_GENERATION));
                    assertEquals(HOST_RUNNING, m.get(ValueLayout.JAVA_INT, OFF_HOST_FLAGS));
                    assertFalse(Files.exists(target), "renamed only after magic is published");
                    assertTrue(Files.exists(path));
                }
                case RENAMED -> {
                    assertEquals(target, path);
                    assertTrue(Files.exists(target));
                    assertFalse(Files.exists(dir().resolve(".mic0.tmp")));
                }
                default -> throw new AssertionError(step);
            }
            seen.add(step.name());
        };
        try (DeviceRegion r = DeviceRegion.create(dir(), "mic0", "Vocana Mic", 48000, 2, 512, GEN, 0, o)) {
            assertEquals(List.of("CREATED", "FORMATTED", "PUBLISHED", "RENAMED"), seen);
            assertEquals(GEN, r.generation());
        }
    }

    @Test
    void theChainLatencyIsPublishedWhereTheDeviceSideReadsIt() throws Exception {
        try (DeviceRegion r = mic(); DeviceSide dev = DeviceSide.attach(r.file())) {
            assertEquals(0, dev.segment().get(ValueLayout.JAVA_INT, OFF_LATENCY));
            r.publishLatency(96);
            assertEquals(96, dev.segment().get(ValueLayout.JAVA_INT, OFF_LATENCY));
            assertEquals(96, r.publishedLatency());
            assertThrows(IllegalArgumentException.class, () -> r.publishLatency(-1));
            r.close();
            r.publishLatency(5); // closed: ignored, no exception
            assertEquals(96, dev.segment().get(ValueLayout.JAVA_INT, OFF_LATENCY));
        }
    }

    @Test
    void heartbeatCountsUpAndCloseWithdrawsAndRemoves() throws Exception {
        DeviceRegion r = mic();
        try (DeviceSide dev = DeviceSide.attach(r.file())) {
            assertEquals(0, dev.heartbeat());
            assertTrue(r.heartbeat());
            assertTrue(r.heartbeat());
            assertEquals(2, dev.heartbeat());
            assertEquals(2, r.heartbeatValue());
            r.close();
            // the device's mapping stays valid and shows the orderly stop
            assertEquals(HOST_SHUTDOWN, dev.hostFlags());
            assertEquals(MAGIC, dev.magic());
            assertFalse(Files.exists(r.file()));
            assertTrue(r.isClosed());
            assertFalse(r.heartbeat());
            r.close(); // idempotent
            assertThrows(IllegalStateException.class, r::toHostReader);
        }
    }

    @Test
    void closeRacingAHeartbeatThreadNeverThrows() throws Exception {
        for (int i = 0; i < 100; i++) {
            DeviceRegion r = DeviceRegion.create(dir(), "mic0", "", 48000, 2, 512, GEN + i);
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread beat = Thread.ofPlatform().start(() -> {
                try {
                    while (r.heartbeat()) {
                        Thread.onSpinWait();
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            Thread.sleep(1);
            r.close();
            beat.join();
            assertNull(failure.get());
            assertFalse(r.heartbeat());
        }
    }

    @Test
    void recreatePublishesANewGenerationOverTheOldFileAndWithdrawsTheOld() throws Exception {
        DeviceRegion first = mic();
        try (DeviceSide old = DeviceSide.attach(first.file())) {
            assertEquals(RegionError.GENERATION_REUSED,
                    assertThrows(RegionException.class, () -> first.recreate(GEN)).error());
            DeviceRegion second = first.recreate(GEN + 1);
            try (DeviceSide fresh = DeviceSide.attach(second.file())) {
                assertTrue(first.isClosed());
                assertEquals(HOST_SHUTDOWN, old.hostFlags(), "the old region tells an attached device to go");
                assertEquals(GEN, old.generation());
                assertEquals(GEN + 1, fresh.generation());
                assertEquals(HOST_RUNNING, fresh.hostFlags());
                assertEquals(first.file(), second.file());
                assertTrue(Files.exists(second.file()), "closing the old region does not unlink the new file");
                assertEquals(old.info().regionSize(), fresh.info().regionSize());
            }
            // a new host instance (create) also refuses to reuse the generation it replaces
            assertEquals(RegionError.GENERATION_REUSED,
                    assertThrows(RegionException.class, () -> DeviceRegion.create(dir(), "mic0", "", 48000, 2, 512, GEN + 1)).error());
            DeviceRegion third = DeviceRegion.create(dir(), "mic0", "", 44100, 1, 256, DeviceRegion.newGeneration());
            assertEquals(1, third.channels());
            second.close(); // second's file was replaced by third's: not removed
            assertTrue(Files.exists(third.file()));
            third.close();
            assertFalse(Files.exists(third.file()));
        }
    }

    @Test
    void aNewHostInstanceWithdrawsTheRegionOfACrashedOne() throws Exception {
        DeviceRegion crashed = mic(); // never closed by its (crashed) host
        try (DeviceSide dev = DeviceSide.attach(crashed.file())) {
            assertEquals(HOST_RUNNING, dev.hostFlags());
            try (DeviceRegion next = DeviceRegion.create(dir(), "mic0", "Vocana Mic", 48000, 2, 512, GEN + 1)) {
                assertEquals(HOST_SHUTDOWN, dev.hostFlags(), "the device's old mapping says: host gone");
                assertEquals(MAGIC, dev.magic());
                try (DeviceSide fresh = DeviceSide.attach(next.file())) {
                    assertEquals(GEN + 1, fresh.generation());
                    assertEquals(HOST_RUNNING, fresh.hostFlags());
                }
                crashed.close(); // leftovers of the old instance never remove the new file
                assertTrue(Files.exists(next.file()));
            }
        }
    }

    @Test
    void oneReaderAndOneWriterPerRegion() throws Exception {
        try (DeviceRegion r = mic()) {
            assertEquals(2, r.toHostReader().channels());
            assertEquals(32768, r.fromHostWriter().capacityFrames());
            assertThrows(IllegalStateException.class, r::toHostReader);
            assertThrows(IllegalStateException.class, r::fromHostWriter);
        }
    }

    // ---- re-opening an existing region ---------------------------------------------------------

    /** Creates a region, corrupts its header with {@code poke}, and returns why open refuses it. */
    RegionException openAfter(java.util.function.Consumer<MemorySegment> poke) throws Exception {
        try (DeviceRegion r = mic()) {
            poke.accept(r.segment());
            RegionException e = assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN + 7, 0, null));
            assertTrue(e.getMessage().contains(r.file().toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            return e;
        }
    }

    /** As {@link #openAfter}, for a poke that must be accepted: null if open succeeds. */
    RegionError openAfterOrNull(java.util.function.Consumer<MemorySegment> poke) throws Exception {
        try (DeviceRegion r = mic()) {
            poke.accept(r.segment());
            try (DeviceRegion again = DeviceRegion.open(dir(), "mic0", GEN + 7, 0, null)) {
                return null;
            } catch (RegionException e) {
                return e.error();
            }
        }
    }

    @Test
    void openValidatesEveryHeaderFieldAndRefusesWithTheSpecificError() throws Exception {
        assertEquals(RegionError.NOT_READY, openAfter(m -> m.set(ValueLayout.JAVA_LONG, OFF_MAGIC, 0)).error());
        assertEquals(RegionError.BAD_MAGIC, openAfter(m -> m.set(ValueLayout.JAVA_LONG, OFF_MAGIC, 42)).error());
        assertEquals(RegionError.VERSION, openAfter(m -> m.set(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR, (short) 2)).error());
        // abi.h section 0: another minor of major 1 is accepted (the host needs only 1.0's fields)
        assertEquals(null, openAfterOrNull(m -> m.set(ValueLayout.JAVA_SHORT, OFF_ABI_MINOR, (short) 9)));
        assertEquals(RegionError.HEADER_SIZE, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_HEADER_SIZE, 512)).error());
        assertEquals(RegionError.REGION_SIZE, openAfter(m -> m.set(ValueLayout.JAVA_LONG, OFF_REGION_SIZE, 4096)).error());
        assertEquals(RegionError.RATE, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE, 384001)).error());
        assertEquals(RegionError.RATE, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE, -48000)).error());
        assertEquals(RegionError.CHANNELS, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_CHANNELS, 0)).error());
        assertEquals(RegionError.CAPACITY, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_CAPACITY, 8191)).error());
        assertEquals(RegionError.CAPACITY, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_CAPACITY, 128)).error());
        assertEquals(RegionError.LAYOUT, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_CHANNELS, 4)).error());
        assertEquals(RegionError.DEVICE_ID, openAfter(m -> m.set(ValueLayout.JAVA_BYTE, OFF_DEVICE_ID, (byte) '/')).error());
        assertEquals(RegionError.DEVICE_ID, openAfter(m -> m.asSlice(OFF_DEVICE_ID, DEVICE_ID_SIZE).fill((byte) 'a')).error());
        assertEquals(RegionError.NAME, openAfter(m -> m.set(ValueLayout.JAVA_BYTE, OFF_NAME + 2, (byte) 10)).error());
        assertEquals(RegionError.NAME, openAfter(m -> m.asSlice(OFF_NAME, NAME_SIZE).fill((byte) 'n')).error());
        assertEquals(RegionError.GENERATION, openAfter(m -> m.set(ValueLayout.JAVA_LONG, OFF_GENERATION, 0)).error());
        assertEquals(RegionError.FLAGS, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_HOST_FLAGS, 5)).error());
        assertEquals(RegionError.HOST_STOPPED, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_HOST_FLAGS, 3)).error());
        assertEquals(RegionError.HOST_STOPPED, openAfter(m -> m.set(ValueLayout.JAVA_INT, OFF_HOST_FLAGS, 0)).error());
        assertEquals(RegionError.POSITIONS, openAfter(m -> m.set(ValueLayout.JAVA_LONG, TO_HOST, 32769)).error());
        assertEquals(RegionError.POSITIONS, openAfter(m -> m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_READ_POS, 1)).error());
        assertEquals(RegionError.ID_MISMATCH, openAfter(m -> m.set(ValueLayout.JAVA_BYTE, OFF_DEVICE_ID, (byte) 'n')).error());
        assertEquals(RegionError.GENERATION_REUSED, openAfter(m -> m.set(ValueLayout.JAVA_LONG, OFF_GENERATION, GEN + 7)).error());
        // fields any value of which is safe: reserved bytes, heartbeat, device_flags, counters
        try (DeviceRegion r = mic()) {
            MemorySegment m = r.segment();
            m.set(ValueLayout.JAVA_INT, OFF_RESERVED0, -1);
            m.asSlice(OFF_RESERVED1, 112).fill((byte) 0x7f);
            m.set(ValueLayout.JAVA_LONG, OFF_HEARTBEAT, -5);
            m.set(ValueLayout.JAVA_INT, OFF_DEVICE_FLAGS, -1);
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_OVERRUNS, -1);
            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_CONSUMER_FAULTS, -1);
            DeviceRegion.open(dir(), "mic0", GEN + 7, 0, null).close();
        }
    }

    @Test
    void openRefusesBadFilesAndFolders() throws Exception {
        RegionDirectory.ensureDirectory(dir(), RegionDirectory.currentUid());
        Path f = dir().resolve("mic0.vreg");
        assertEquals(RegionError.OPEN, assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN)).error());
        Files.write(f, new byte[100]);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        RegionException e = assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN));
        assertEquals(RegionError.FILE_SIZE, e.error());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        assertEquals(RegionError.FILE_MODE, assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN)).error());
        Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxrwx---"));
        assertEquals(RegionError.DIR_MODE, assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN)).error());
        assertEquals(RegionError.DIR_MISSING, assertThrows(RegionException.class,
                () -> DeviceRegion.open(tmp.resolve("none"), "mic0", GEN)).error());
    }

    @Test
    void openRefusesARegionWhoseHeartbeatStillMoves() throws Exception {
        try (DeviceRegion r = mic()) {
            Thread beat = Thread.ofPlatform().daemon().start(() -> {
                while (r.heartbeat()) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try {
                RegionException e = assertThrows(RegionException.class, () -> DeviceRegion.open(dir(), "mic0", GEN + 1, 60, null));
                assertEquals(RegionError.HOST_ALIVE, e.error());
            } finally {
                beat.interrupt();
                beat.join();
            }
        }
    }

    @Test
    void openTakesAnAbandonedRegionOverInPlaceWithANewGeneration() throws Exception {
        DeviceRegion crashed = DeviceRegion.create(dir(), "mic0", "Vocana Mic", 48000, 2, 512, GEN, -100L, null);
        try (DeviceSide dev = DeviceSide.attach(crashed.file())) {
            // the crashed host's device had moved the rings along
            float[] block = new float[2 * 300];
            assertEquals(300, dev.write(block, 300));
            crashed.heartbeat();
            List<String> steps = new ArrayList<>();
            try (DeviceRegion r = DeviceRegion.open(dir(), "mic0", GEN + 1, 10, (s, p, m) -> {
                steps.add(s + ":" + Long.toHexString((long) MAGIC_VH.getAcquire(m, 0L)));
            })) {
                assertEquals(List.of("FORMATTED:0", "PUBLISHED:" + Long.toHexString(MAGIC)), steps);
                assertEquals(GEN + 1, dev.generation(), "same file, re-initialised in place");
                assertEquals(HOST_RUNNING, dev.hostFlags());
                assertEquals(0, dev.heartbeat());
                assertEquals(48000, r.sampleRate());
                assertEquals(2, r.channels());
                assertEquals(32768, r.capacityFrames());
                assertEquals("Vocana Mic", r.name());
                assertEquals(0, r.maxIoFrames());
                // the rings are empty and continue at the device's position
                ToHostReader in = r.toHostReader();
                assertEquals(0, in.available());
                assertEquals(-100L + 300, in.position());
                float[] data = new float[2 * 10];
                for (int i = 0; i < data.length; i++) {
                    data[i] = i + 1;
                }
                assertEquals(10, dev.write(data, 10));
                float[][] planar = new float[2][10];
                assertEquals(10, in.read(planar, 10));
                assertEquals(1f, planar[0][0]);
                assertEquals(20f, planar[1][9]);
                assertEquals(0, in.faults());
            }
        } finally {
            crashed.close(); // its file was taken over in place: same inode, so close removes it
        }
    }
}
