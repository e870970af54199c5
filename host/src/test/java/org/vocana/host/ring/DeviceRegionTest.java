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

    /** The mode of what {@code p} names, following links (the memfd behind a region's name). */
    static int modeUnchecked(Path p) {
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode")) & 07777;
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
    void createsTheFolder0700AndASealed0600RegionLinkedUnderItsFinalName() throws Exception {
        try (DeviceRegion r = mic()) {
            assertEquals(0700, mode(dir()));
            assertEquals(RegionDirectory.currentUid(), owner(dir()));
            Path f = dir().resolve("mic0.vreg");
            assertEquals(f, r.file());
            assertTrue(Files.isSymbolicLink(f));
            String target = Files.readSymbolicLink(f).toString();
            assertTrue(target.matches("/proc/" + ProcessHandle.current().pid() + "/fd/[0-9]+"), target);
            assertEquals(0600, ((Integer) Files.getAttribute(f, "unix:mode")) & 07777);
            assertEquals(RegionDirectory.currentUid(), ((Number) Files.getAttribute(f, "unix:uid")).longValue());
            assertEquals(regionSize(32768, 2), Files.size(f));
            try (Stream<Path> s = Files.list(dir())) {
                assertEquals(List.of(f), s.toList(), "no temporary name left behind");
            }
        }
    }

    @Test
    void nobodyCanShrinkOrGrowTheRegionUnderADevice() throws Exception {
        try (DeviceRegion r = mic(); DeviceSide dev = DeviceSide.attach(r.file())) {
            long size = r.regionSize();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(r.file(),
                    java.nio.file.StandardOpenOption.WRITE)) {
                IOException e = assertThrows(IOException.class, () -> ch.truncate(0));
                assertTrue(e.getMessage().contains("not permitted"), e.getMessage());
                assertThrows(IOException.class, () -> ch.write(java.nio.ByteBuffer.allocate(1), size));
            }
            assertThrows(IOException.class, () -> java.nio.channels.FileChannel.open(r.file(),
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING).close());
            assertEquals(size, Files.size(r.file()));
            assertEquals(MAGIC, dev.magic(), "the device's mapping is whole");
            assertEquals(0, dev.segment().get(ValueLayout.JAVA_BYTE, size - 1));
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
    void refusesToReplaceAFileWithWiderPermissionsOrOfAnotherOwner() throws Exception {
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

        if (isRoot()) {
            Files.writeString(f, "old");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            Files.setAttribute(f, "unix:uid", 4242);
            e = assertThrows(RegionException.class, this::mic);
            assertEquals(RegionError.FILE_OWNER, e.error());
            assertTrue(e.getMessage().contains("uid 4242"), e.getMessage());
            Files.delete(f);
        }
        // an own 0600 (or narrower) file an older host left is replaced by a link
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        try (DeviceRegion r = mic()) {
            assertTrue(Files.isSymbolicLink(f));
            assertEquals(r.regionSize(), Files.size(f));
        }
        // and so is any link: a dangling one (its host crashed) or one to elsewhere, which is not followed
        Files.createSymbolicLink(f, Path.of("/proc/999999999/fd/3"));
        try (DeviceRegion r = mic()) {
            assertEquals(r.regionSize(), Files.size(f));
        }
        Path elsewhere = tmp.resolve("elsewhere");
        Files.writeString(elsewhere, "keep");
        Files.createSymbolicLink(f, elsewhere);
        try (DeviceRegion r = mic()) {
            assertEquals(r.regionSize(), Files.size(f));
        }
        assertEquals("keep", Files.readString(elsewhere));
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
                    assertTrue(path.toString().startsWith("/proc/" + ProcessHandle.current().pid() + "/fd/"), path.toString());
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
                    assertFalse(Files.exists(target), "linked only after magic is published");
                }
                case RENAMED -> {
                    assertEquals(target, path);
                    assertTrue(Files.exists(target));
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

    // ---- the self-check ------------------------------------------------------------------------

    /** Creates a region, damages its header with {@code poke}, and returns why the self-check fails. */
    RegionException damagedBy(java.util.function.Consumer<MemorySegment> poke) throws Exception {
        try (DeviceRegion r = mic()) {
            r.checkIntact();
            poke.accept(r.segment());
            RegionException e = assertThrows(RegionException.class, r::checkIntact);
            assertTrue(e.getMessage().contains(r.file().toString()) && e.getMessage().contains("damaged"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            return e;
        }
    }

    @Test
    void theSelfCheckValidatesEveryHeaderFieldAsTheDeviceSideDoes() throws Exception {
        assertEquals(RegionError.NOT_READY, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, OFF_MAGIC, 0)).error());
        assertEquals(RegionError.BAD_MAGIC, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, OFF_MAGIC, 42)).error());
        assertEquals(RegionError.VERSION, damagedBy(m -> m.set(ValueLayout.JAVA_SHORT, OFF_ABI_MAJOR, (short) 2)).error());
        assertEquals(RegionError.HEADER_SIZE, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_HEADER_SIZE, 512)).error());
        assertEquals(RegionError.REGION_SIZE, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, OFF_REGION_SIZE, 4096)).error());
        assertEquals(RegionError.RATE, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_SAMPLE_RATE, 384001)).error());
        assertEquals(RegionError.CHANNELS, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_CHANNELS, 0)).error());
        assertEquals(RegionError.CAPACITY, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_CAPACITY, 8191)).error());
        assertEquals(RegionError.LAYOUT, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_CHANNELS, 4)).error());
        assertEquals(RegionError.DEVICE_ID, damagedBy(m -> m.set(ValueLayout.JAVA_BYTE, OFF_DEVICE_ID, (byte) '/')).error());
        assertEquals(RegionError.NAME, damagedBy(m -> m.set(ValueLayout.JAVA_BYTE, OFF_NAME + 2, (byte) 10)).error());
        assertEquals(RegionError.GENERATION, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, OFF_GENERATION, 0)).error());
        assertEquals(RegionError.FLAGS, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_HOST_FLAGS, 5)).error());
        assertEquals(RegionError.HOST_STOPPED, damagedBy(m -> m.set(ValueLayout.JAVA_INT, OFF_HOST_FLAGS, 0)).error());
        assertEquals(RegionError.POSITIONS, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, TO_HOST, 32769)).error());
        assertEquals(RegionError.ID_MISMATCH, damagedBy(m -> m.set(ValueLayout.JAVA_BYTE, OFF_DEVICE_ID, (byte) 'n')).error());
        assertEquals(RegionError.CHANGED, damagedBy(m -> m.set(ValueLayout.JAVA_LONG, OFF_GENERATION, GEN + 7)).error());
        // fields any value of which is safe: reserved bytes, heartbeat, device_flags, counters
        try (DeviceRegion r = mic()) {
            MemorySegment m = r.segment();
            m.set(ValueLayout.JAVA_INT, OFF_RESERVED0, -1);
            m.asSlice(OFF_RESERVED1, 112).fill((byte) 0x7f);
            m.set(ValueLayout.JAVA_LONG, OFF_HEARTBEAT, -5);
            m.set(ValueLayout.JAVA_INT, OFF_DEVICE_FLAGS, -1);
            m.set(ValueLayout.JAVA_LONG, TO_HOST + RING_OFF_OVERRUNS, -1);
            m.set(ValueLayout.JAVA_LONG, FROM_HOST + RING_OFF_CONSUMER_FAULTS, -1);
            r.checkIntact();
        }
    }

    /**
     * A live ring is never damage: a producer and a consumer move both positions while the
     * self-check reads them (a single read of each once re-created a healthy region: the helper's
     * harness caught 1 in 200,000 checks).
     */
    @Test
    void theSelfCheckNeverTakesALiveRingForDamage() throws Exception {
        try (DeviceRegion r = mic()) {
            MemorySegment m = r.segment();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread producer = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long w = (long) WRITE_POS_VH.getAcquire(m, TO_HOST);
                    long rd = (long) READ_POS_VH.getAcquire(m, TO_HOST);
                    if (w - rd < 32768 - 7) {
                        WRITE_POS_VH.setRelease(m, TO_HOST, w + 7);
                    }
                }
            });
            Thread consumer = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long w = (long) WRITE_POS_VH.getAcquire(m, TO_HOST);
                    long rd = (long) READ_POS_VH.getAcquire(m, TO_HOST);
                    if (rd < w) {
                        READ_POS_VH.setRelease(m, TO_HOST, Math.min(w, rd + 5));
                    }
                }
            });
            try {
                for (int i = 0; i < 1_000_000; i++) {
                    r.checkIntact();
                }
            } finally {
                stop.set(true);
                producer.join();
                consumer.join();
            }
            assertTrue((long) READ_POS_VH.getAcquire(m, TO_HOST) > 1_000, "the ring moved");
        }
    }

    @Test
    void theSelfCheckNoticesANameRemovedOrReplacedAndRecreateRepairsIt() throws Exception {
        DeviceRegion r = mic();
        try {
            Files.delete(r.file());
            RegionException e = assertThrows(RegionException.class, r::checkIntact);
            assertEquals(RegionError.OPEN, e.error());
            assertTrue(e.getMessage().endsWith("its name was removed"), e.getMessage());
            r = r.recreate();
            r.checkIntact();
            Files.delete(r.file());
            Files.writeString(r.file(), "planted");
            e = assertThrows(RegionException.class, r::checkIntact);
            assertTrue(e.getMessage().endsWith("its name names something else now"), e.getMessage());
            Files.setPosixFilePermissions(r.file(), PosixFilePermissions.fromString("rw-------"));
            r = r.recreate();
            r.checkIntact();
            assertTrue(Files.isSymbolicLink(r.file()));
            try (DeviceSide dev = DeviceSide.attach(r.file())) {
                assertEquals(r.generation(), dev.generation());
            }
        } finally {
            r.close();
        }
        assertFalse(Files.exists(r.file(), LinkOption.NOFOLLOW_LINKS));
        assertThrows(IllegalStateException.class, r::checkIntact);
    }
}
