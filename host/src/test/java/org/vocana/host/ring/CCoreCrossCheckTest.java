/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.vocana.host.ring.RegionLayout.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java host against the real C core, in one process: the core's sources
 * ({@code hal-plugin/src/core/*.c}, read-only) are compiled into a temporary shared library with
 * the system C compiler and called through FFM downcalls (test code only; the host itself has no
 * native code). Checks:
 * <ul>
 * <li>{@code vocana_region_validate} accepts what {@link DeviceRegion#create} publishes, and gives
 * the same verdict as {@link RegionValidator} for thousands of randomly corrupted headers;</li>
 * <li>{@code vocana_capacity_for} equals {@link RegionLayout#capacityFor} everywhere in range;</li>
 * <li>the C device state machine ({@code vocana_device_service}: the folder and file checks, mmap,
 * attach, heartbeat probing, IO, detach) works with the Java host end to end, including exact
 * sample transfer both ways, restart with a new generation, stale heartbeat and orderly stop.</li>
 * </ul>
 * Fails (does not skip) without a C compiler: the reactor needs one to build hal-plugin anyway.
 * (The JVM prints one "restricted method" warning: surefire runs without
 * {@code --enable-native-access}.)
 */
@SuppressWarnings("restricted") // FFM downcalls into the C core, in this test only
class CCoreCrossCheckTest {

    static final String SHIM = """
            /* test shim: flattens structs the Java test does not want to mirror */
            #include <stdlib.h>
            #include <string.h>
            #include "vocana/core.h"
            #include "vocana/region_posix.h"
            uint32_t vt_capacity_for(uint32_t rate, uint32_t io) { return vocana_capacity_for(rate, io); }
            int vt_validate(const void *base, size_t size, uint64_t *o, char *id, char *name) {
                vocana_region_info info;
                memset(&info, 0, sizeof info);
                int rc = vocana_region_validate(base, size, NULL, &info);
                o[0] = info.region_size; o[1] = info.generation; o[2] = info.ring_bytes;
                o[3] = info.sample_rate; o[4] = info.channels; o[5] = info.capacity_frames;
                o[6] = info.host_flags;
                memcpy(id, info.device_id, sizeof info.device_id);
                memcpy(name, info.name, sizeof info.name);
                return rc;
            }
            vocana_device *vt_device_new(const char *id, uint32_t channels, uint32_t max_io, uint32_t clock) {
                vocana_device_config cfg;
                memset(&cfg, 0, sizeof cfg);
                strncpy(cfg.device_id, id, sizeof cfg.device_id - 1);
                cfg.channels = channels;
                cfg.max_io_frames = max_io;
                cfg.clock = clock;
                vocana_device *d = malloc(sizeof *d);
                if (d && vocana_device_init(d, &cfg) != VOCANA_OK) { free(d); d = NULL; }
                return d;
            }
            void vt_device_free(vocana_device *d) { free(d); }
            void vt_stats(const vocana_device *d, uint64_t *o) {
                vocana_device_stats st;
                vocana_device_get_stats(d, &st);
                _Static_assert(sizeof st <= 16 * sizeof(uint64_t), "vocana_device_stats fits the test's buffer");
                memcpy(o, &st, sizeof st);
            }
            """;

    static Arena arena;
    static MethodHandle capacityFor;
    static MethodHandle validate;
    static MethodHandle deviceNew;
    static MethodHandle deviceFree;
    static MethodHandle service;
    static MethodHandle serviceShm;
    static MethodHandle deviceWrite;
    static MethodHandle deviceRead;
    static MethodHandle deviceWriteAt;
    static MethodHandle deviceReadAt;
    static MethodHandle deviceReadLatency;
    static MethodHandle deviceState;
    static MethodHandle deviceLastError;
    static MethodHandle stats;
    static MethodHandle strerror;

    @TempDir
    static Path build;

    @TempDir
    Path tmp;

    @BeforeAll
    static void compileTheCore() throws Exception {
        Path hal = RegionLayoutTest.layoutTool().getParent().getParent();
        List<String> cmd = new ArrayList<>(List.of("cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O1", "-fPIC",
                "-shared", "-I" + hal.resolve("include"), "-I" + hal.resolve("src/core")));
        try (Stream<Path> s = Files.list(hal.resolve("src/core"))) {
            s.filter(p -> p.toString().endsWith(".c")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        Path shim = build.resolve("shim.c");
        Files.writeString(shim, SHIM);
        cmd.add(shim.toString());
        Path lib = build.resolve("libvocana-check.so");
        cmd.add("-o");
        cmd.add(lib.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("no C compiler 'cc' (needed to build hal-plugin too): " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "compiling the C core failed:\n" + out);

        arena = Arena.ofShared();
        Linker linker = Linker.nativeLinker();
        SymbolLookup l = SymbolLookup.libraryLookup(lib, arena);
        capacityFor = linker.downcallHandle(l.findOrThrow("vt_capacity_for"), FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        validate = linker.downcallHandle(l.findOrThrow("vt_validate"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS));
        deviceNew = linker.downcallHandle(l.findOrThrow("vt_device_new"),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        deviceFree = linker.downcallHandle(l.findOrThrow("vt_device_free"), FunctionDescriptor.ofVoid(ADDRESS));
        service = linker.downcallHandle(l.findOrThrow("vocana_device_service"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));
        serviceShm = linker.downcallHandle(l.findOrThrow("vocana_device_service_shm"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        deviceWrite = linker.downcallHandle(l.findOrThrow("vocana_device_write"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        deviceRead = linker.downcallHandle(l.findOrThrow("vocana_device_read"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        deviceWriteAt = linker.downcallHandle(l.findOrThrow("vocana_device_write_at"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));
        deviceReadAt = linker.downcallHandle(l.findOrThrow("vocana_device_read_at"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG));
        deviceReadLatency = linker.downcallHandle(l.findOrThrow("vocana_device_read_latency"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceState = linker.downcallHandle(l.findOrThrow("vocana_device_state"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceLastError = linker.downcallHandle(l.findOrThrow("vocana_device_last_error"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        stats = linker.downcallHandle(l.findOrThrow("vt_stats"), FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        strerror = linker.downcallHandle(l.findOrThrow("vocana_strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    @AfterAll
    static void unload() {
        if (arena != null) {
            arena.close();
        }
    }

    static String cError(int code) throws Throwable {
        return ((MemorySegment) strerror.invokeExact(code)).reinterpret(1000).getString(0);
    }

    // ---- validation ------------------------------------------------------------------------------

    record Verdict(int code, long[] info, String id, String name) {
    }

    static Verdict cValidate(MemorySegment region) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment o = a.allocate(JAVA_LONG, 8);
            MemorySegment id = a.allocate(DEVICE_ID_SIZE);
            MemorySegment name = a.allocate(NAME_SIZE);
            int rc = (int) validate.invokeExact(region, region.byteSize(), o, id, name);
            return new Verdict(rc, o.toArray(JAVA_LONG), id.getString(0), name.getString(0));
        }
    }

    static int javaValidate(MemorySegment region) {
        try {
            RegionValidator.validate(region, null, 0, 0);
            return 0;
        } catch (RegionException e) {
            return e.error().cCode();
        }
    }

    @Test
    void theCCoreAcceptsWhatTheHostPublishes() throws Throwable {
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "mic.0_x-1", "Mikrofon \u00e9\u00e8 \uD83C\uDFA4",
                44100, 3, 1024, -2L); DeviceSide dev = DeviceSide.attach(r.file())) {
            Verdict v = cValidate(dev.segment());
            assertEquals(0, v.code(), () -> "C refuses the Java region: " + cErrorQuiet(v.code()));
            assertEquals(r.regionSize(), v.info()[0]);
            assertEquals(-2L, v.info()[1]);
            assertEquals(ringBytes(r.capacityFrames(), 3), v.info()[2]);
            assertEquals(44100, v.info()[3]);
            assertEquals(3, v.info()[4]);
            assertEquals(r.capacityFrames(), v.info()[5]);
            assertEquals(HOST_RUNNING, v.info()[6]);
            assertEquals("mic.0_x-1", v.id());
            assertEquals("Mikrofon \u00e9\u00e8 \uD83C\uDFA4", v.name());
        }
    }

    static String cErrorQuiet(int code) {
        try {
            return cError(code);
        } catch (Throwable t) {
            return "code " + code;
        }
    }

    /** Random corruptions of a valid header: the Java and C validators agree on every one. */
    @Test
    void javaAndCValidatorsAgreeOnRandomlyCorruptedHeaders() throws Throwable {
        try (DeviceRegion r = DeviceRegion.create(tmp.resolve("vocana"), "fuzz", "Fuzz", 8000, 2, 1, 99);
                Arena a = Arena.ofConfined()) {
            MemorySegment valid = r.segment();
            long size = valid.byteSize();
            MemorySegment buf = a.allocate(size + 256, 128);
            SplittableRandom rnd = new SplittableRandom(2024);
            int[] seen = new int[64];
            for (int i = 0; i < 20_000; i++) {
                MemorySegment.copy(valid, 0, buf, 0, size);
                int mutations = 1 + rnd.nextInt(3);
                for (int k = 0; k < mutations; k++) {
                    mutate(buf, rnd);
                }
                MemorySegment view = switch (rnd.nextInt(20)) {
                    case 0 -> buf.asSlice(0, rnd.nextLong(0, size + 256)); // another mapped size
                    case 1 -> buf.asSlice(8 * (1 + rnd.nextInt(15)), size); // misaligned
                    default -> buf.asSlice(0, size);
                };
                Verdict c = cValidate(view);
                int j = javaValidate(view);
                if (c.code() != j) {
                    fail("iteration " + i + ": C says " + c.code() + " (" + cError(c.code()) + "), Java says " + j);
                }
                seen[j]++;
            }
            // the corpus reaches every validation outcome
            for (RegionError e : new RegionError[] {RegionError.MISALIGNED, RegionError.TOO_SMALL, RegionError.NOT_READY,
                    RegionError.BAD_MAGIC, RegionError.VERSION, RegionError.HEADER_SIZE, RegionError.REGION_SIZE,
                    RegionError.RATE, RegionError.CHANNELS, RegionError.CAPACITY, RegionError.LAYOUT,
                    RegionError.DEVICE_ID, RegionError.NAME, RegionError.GENERATION, RegionError.FLAGS,
                    RegionError.HOST_STOPPED, RegionError.POSITIONS}) {
                assertTrue(seen[e.cCode()] > 0, "no case of " + e);
            }
            assertTrue(seen[0] > 100, "too few valid cases: " + seen[0]);
        }
    }

    static void mutate(MemorySegment m, SplittableRandom rnd) {
        long[] intFields = {OFF_ABI_MAJOR, OFF_HEADER_SIZE, OFF_SAMPLE_RATE, OFF_CHANNELS, OFF_CAPACITY,
                OFF_RESERVED0, OFF_HOST_FLAGS, OFF_DEVICE_FLAGS};
        long[] longFields = {OFF_MAGIC, OFF_REGION_SIZE, OFF_GENERATION, OFF_HEARTBEAT, TO_HOST + RING_OFF_WRITE_POS,
                TO_HOST + RING_OFF_READ_POS, FROM_HOST + RING_OFF_WRITE_POS, FROM_HOST + RING_OFF_READ_POS,
                TO_HOST + RING_OFF_OVERRUNS, FROM_HOST + RING_OFF_UNDERRUNS};
        int[] interesting = {0, 1, 2, 3, 4, 5, 31, 32, 33, 255, 256, 512, 1023, 1024, 1025, 7999, 8000, 48000, 384000,
                384001, 1 << 20, (1 << 20) + 1, 1 << 21, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        switch (rnd.nextInt(6)) {
            case 0 -> m.set(JAVA_INT, intFields[rnd.nextInt(intFields.length)],
                    rnd.nextBoolean() ? interesting[rnd.nextInt(interesting.length)] : rnd.nextInt());
            case 1 -> {
                long off = longFields[rnd.nextInt(longFields.length)];
                long old = m.get(JAVA_LONG, off);
                long v = switch (rnd.nextInt(5)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> old + rnd.nextInt(-3, 4);
                    case 2 -> old + rnd.nextInt(-2000, 2000);
                    case 3 -> 0;
                    default -> interesting[rnd.nextInt(interesting.length)];
                };
                m.set(JAVA_LONG, off, v);
            }
            case 2 -> m.set(ValueLayout.JAVA_BYTE, OFF_DEVICE_ID + rnd.nextInt(DEVICE_ID_SIZE), (byte) rnd.nextInt(256));
            case 3 -> m.set(ValueLayout.JAVA_BYTE, OFF_NAME + rnd.nextInt(NAME_SIZE), (byte) rnd.nextInt(256));
            case 4 -> m.set(ValueLayout.JAVA_BYTE, rnd.nextInt(HEADER_SIZE), (byte) rnd.nextInt(256));
            default -> {
                // a consistent but different geometry
                int ch = 1 + rnd.nextInt(3);
                m.set(JAVA_INT, OFF_CHANNELS, ch);
                m.set(JAVA_INT, OFF_CAPACITY, 256 << rnd.nextInt(3));
            }
        }
    }

    @Test
    void capacityRuleIsTheSameInJavaAndC() throws Throwable {
        for (int rate = RATE_MIN - 2; rate <= RATE_MAX + 2; rate += rate < 50_000 ? 7 : 331) {
            for (int io : new int[] {0, 1, 2, 64, 127, 128, 441, 512, 1000, 4096, 8191, 16384, 16385}) {
                assertEquals((int) capacityFor.invokeExact(rate, io), RegionLayout.capacityFor(rate, io), rate + "/" + io);
            }
        }
    }

    // ---- the C device state machine against the Java host -------------------------------------

    static final int DETACHED = 0, PROBING = 1, ACTIVE = 2;
    static final long MS = 1_000_000L;
    /** VOCANA_E_HEARTBEAT_STALE (a device-side reason the host never reports itself). */
    static final int HEARTBEAT_STALE = 31;

    static int service(MemorySegment dev, MemorySegment dir, long now) throws Throwable {
        return (int) service.invokeExact(dev, dir, (int) RegionDirectory.currentUid(), now);
    }

    static int state(MemorySegment dev) throws Throwable {
        return (int) deviceState.invokeExact(dev);
    }

    static int lastError(MemorySegment dev) throws Throwable {
        return (int) deviceLastError.invokeExact(dev);
    }

    @Test
    void theCDeviceSideAttachesExchangesAudioAndFollowsRestartAndStop() throws Throwable {
        Path dir = tmp.resolve("vocana");
        int ch = 2;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dirC = a.allocateFrom(dir.toString());
            MemorySegment dev = (MemorySegment) deviceNew.invokeExact(a.allocateFrom("mic0"), ch, 512, CLOCK_NONE);
            assertTrue(dev.address() != 0);
            MemorySegment cbuf = a.allocate(JAVA_FLOAT, 4096L * ch);
            MemorySegment st = a.allocate(JAVA_LONG, 16); // vocana_device_stats, 14 words
            try {
                long now = 1_000 * MS;
                // no folder yet
                assertEquals(RegionError.DIR_MISSING.cCode(), service(dev, dirC, now));
                DeviceRegion r = DeviceRegion.create(dir, "mic0", "Mic", 48000, ch, 512, 1);
                now += 300 * MS;
                assertEquals(0, service(dev, dirC, now), () -> cErrorQuiet(lastErrorQuiet(dev)));
                assertEquals(PROBING, state(dev), "attached, waiting for the heartbeat to move");
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(PROBING, state(dev));
                r.heartbeat();
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(ACTIVE, state(dev));
                assertEquals(DEVICE_ATTACHED, r.deviceFlags());

                ToHostReader in = r.toHostReader();
                FromHostWriter out = r.fromHostWriter();
                exchange(dev, cbuf, in, out, ch, 7);

                // the device drains the ring, then reads it empty: silence, counted by the C core,
                // visible to the host
                while ((int) deviceRead.invokeExact(dev, cbuf, 1000) == 1000) {
                    // drain
                }
                int got = (int) deviceRead.invokeExact(dev, cbuf, 100);
                assertEquals(0, got);
                vtStats(dev, st);
                assertEquals(out.deviceUnderruns(), st.getAtIndex(JAVA_LONG, 3));
                assertEquals(out.deviceUnderrunFrames(), st.getAtIndex(JAVA_LONG, 4));
                assertTrue(out.deviceUnderrunFrames() >= 100);

                // stale heartbeat (time is passed in): the device detaches by itself
                now += 1500 * MS;
                service(dev, dirC, now);
                assertEquals(HEARTBEAT_STALE, lastError(dev), cErrorQuiet(lastError(dev)));
                // in the same service call it re-attaches (the same region), and goes active only
                // when the heartbeat moves again
                assertEquals(PROBING, state(dev));
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(PROBING, state(dev));
                r.heartbeat();
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(ACTIVE, state(dev));

                // restart: a new file with a new generation; the old one says SHUTDOWN
                DeviceRegion r2 = r.recreate(2);
                now += 10 * MS;
                service(dev, dirC, now); // detach from the old one, attach to the new one
                assertEquals(RegionError.HOST_STOPPED.cCode(), lastError(dev), "detached because of SHUTDOWN");
                assertEquals(PROBING, state(dev), "re-attached to the new file at once");
                r2.heartbeat();
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(ACTIVE, state(dev));
                exchange(dev, cbuf, r2.toHostReader(), r2.fromHostWriter(), ch, 11);

                // the host "crashes" (r2 is never closed) and a new instance creates the region
                // again: it withdraws the old file, so the device moves over at once
                DeviceRegion r3 = DeviceRegion.create(dir, "mic0", "Mic", 48000, ch, 512, 3);
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(RegionError.HOST_STOPPED.cCode(), lastError(dev), "detached from the crashed host's file");
                assertEquals(PROBING, state(dev));
                r3.heartbeat();
                now += 10 * MS;
                service(dev, dirC, now);
                assertEquals(ACTIVE, state(dev));
                r2.close(); // the crashed instance's leftovers: must not touch r3's file
                assertTrue(Files.exists(r3.file()));
                exchange(dev, cbuf, r3.toHostReader(), r3.fromHostWriter(), ch, 13);

                // orderly stop: the device detaches (SHUTDOWN) and, retrying at once, finds no file
                r3.close();
                now += 10 * MS;
                assertEquals(RegionError.OPEN.cCode(), service(dev, dirC, now));
                assertEquals(DETACHED, state(dev));
                now += 300 * MS;
                assertEquals(RegionError.OPEN.cCode(), service(dev, dirC, now));
                // without a host the device plays silence and drops input, as the header says
                assertEquals(0, (int) deviceWrite.invokeExact(dev, cbuf, 64));
            } finally {
                deviceFree.invokeExact(dev);
            }
        }
    }

    /**
     * The macOS transport end to end, on Linux: the host publishes {@code /vocana.<id>} with
     * {@link DeviceRegion#createShared} and the C core attaches to it by name
     * ({@code vocana_device_service_shm}, as the HAL driver does), exchanges audio sample-exactly,
     * follows a restart and detaches on an orderly stop. Objects of another owner are refused.
     */
    @Test
    void theCDeviceSideAttachesToASharedMemoryRegionByName() throws Throwable {
        String id = "x" + ProcessHandle.current().pid();
        int ch = 2;
        int uid = (int) RegionDirectory.currentUid();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = (MemorySegment) deviceNew.invokeExact(a.allocateFrom(id), ch, 512, CLOCK_NONE);
            MemorySegment cbuf = a.allocate(JAVA_FLOAT, 4096L * ch);
            DeviceRegion r = null;
            DeviceRegion r2 = null;
            try {
                long now = 1_000 * MS;
                assertEquals(RegionError.OPEN.cCode(), (int) serviceShm.invokeExact(dev, uid, now), "no host yet");
                r = DeviceRegion.createShared(id, "Mic", 48000, ch, 512, 1, 0600);
                now += 300 * MS;
                assertEquals(RegionError.FILE_OWNER.cCode(), (int) serviceShm.invokeExact(dev, uid + 1, now),
                        "another owner's object is refused");
                now += 300 * MS;
                assertEquals(0, (int) serviceShm.invokeExact(dev, uid, now), () -> cErrorQuiet(lastErrorQuiet(dev)));
                r.heartbeat();
                now += 10 * MS;
                int ignored = (int) serviceShm.invokeExact(dev, uid, now);
                assertEquals(ACTIVE, state(dev));
                assertEquals(DEVICE_ATTACHED, r.deviceFlags());
                exchange(dev, cbuf, r.toHostReader(), r.fromHostWriter(), ch, 17);

                // restart: a new object under the same name; the old one says SHUTDOWN
                r2 = r.recreate(2);
                now += 10 * MS;
                ignored = (int) serviceShm.invokeExact(dev, uid, now);
                assertEquals(RegionError.HOST_STOPPED.cCode(), lastError(dev), "detached because of SHUTDOWN");
                assertEquals(PROBING, state(dev), "re-attached to the new object at once");
                r2.heartbeat();
                now += 10 * MS;
                ignored = (int) serviceShm.invokeExact(dev, uid, now);
                assertEquals(ACTIVE, state(dev));
                exchange(dev, cbuf, r2.toHostReader(), r2.fromHostWriter(), ch, 19);

                // orderly stop: detached, and no object left to attach to
                r2.close();
                now += 10 * MS;
                assertEquals(RegionError.OPEN.cCode(), (int) serviceShm.invokeExact(dev, uid, now));
                assertEquals(DETACHED, state(dev));
            } finally {
                deviceFree.invokeExact(dev);
                for (DeviceRegion left : new DeviceRegion[] {r, r2}) {
                    if (left != null) {
                        left.close(); // no object left in /dev/shm after a failure
                    }
                }
            }
        }
    }

    /**
     * The timing model of abi.h section 6 across the real Java host code: the C device side stamps
     * what it plays ({@code vocana_device_write_at}), {@link ToHostReader} and
     * {@link FromHostWriter#writeAt} carry the stamp as the engine does, and the C timed read gives
     * back every frame exactly L = burst + block + margin later. A host that falls behind for a
     * while costs frames the C core counts as late, and the offset is exactly L again right after;
     * the counter the host shows ({@link FromHostWriter#deviceLateFrames}) is the C core's.
     */
    @Test
    void theTimingModelHoldsAcrossTheJavaHost() throws Throwable {
        Path dir = tmp.resolve("vocana");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try (Arena a = Arena.ofConfined();
                DeviceRegion r = DeviceRegion.create(dir, "tm", "Timing", 48000, 1, 128, 77)) {
            MemorySegment dev = (MemorySegment) deviceNew.invokeExact(a.allocateFrom("tm"), 1, 128, CLOCK_MONOTONIC);
            MemorySegment dirC = a.allocateFrom(dir.toString());
            int uid = (int) RegionDirectory.currentUid();
            MemorySegment cbuf = a.allocate(JAVA_FLOAT, 4096);
            MemorySegment st = a.allocate(JAVA_LONG, 16);
            try {
                long now = 1_000 * MS;
                assertEquals(0, (int) service.invokeExact(dev, dirC, uid, now));
                r.heartbeat();
                now += 10 * MS;
                assertEquals(0, (int) service.invokeExact(dev, dirC, uid, now));
                assertEquals(ACTIVE, state(dev));
                ToHostReader in = r.toHostReader();
                FromHostWriter out = r.fromHostWriter();
                float[][] planar = new float[1][128];
                long t0 = 48_000L * 7200; // two hours of uptime, in frames
                int latency = 128 + 128 + 240; // burst (max IO) + the host's block + 5 ms
                long exact = 0, wrong = 0, wrongAfter = 0;
                for (int k = 0; k < 2000; k++) {
                    long t = t0 + 128L * k;
                    for (int f = 0; f < 128; f++) {
                        cbuf.setAtIndex(JAVA_FLOAT, f, 1 + 128 * k + f); // value = 1 + frame time - t0
                    }
                    assertEquals(128, (int) deviceWriteAt.invokeExact(dev, cbuf, 128, t));
                    boolean hostLate = k >= 1000 && k < 1040; // the host stalls for 107 ms...
                    while (!hostLate && in.available() >= 128) { // ...then catches up at once
                        assertEquals(128, in.read(planar, 128));
                        out.writeAt(planar, 128, in.lastClock(), in.lastTime());
                    }
                    int got = (int) deviceReadAt.invokeExact(dev, cbuf, 128, t);
                    assertEquals(latency, (int) deviceReadLatency.invokeExact(dev));
                    for (int f = 0; f < 128; f++) {
                        long want = 1 + 128L * k + f - latency;
                        float v = cbuf.getAtIndex(JAVA_FLOAT, f);
                        if (want > 0 && v == want) {
                            exact++;
                        } else if (want > 0) {
                            wrong++;
                            if (k >= 1040 + 1) { // one read after the host is back
                                wrongAfter++;
                            }
                        }
                    }
                    assertTrue(got <= 128);
                }
                assertEquals(0, wrongAfter, "frames not exactly L late once the host is back");
                assertTrue(wrong > 0 && wrong <= 40 * 128 + 128, "the stall cost its frames, no more: " + wrong);
                assertTrue(exact >= 2000L * 128 - wrong - latency, "exact " + exact);
                vtStats(dev, st);
                long cLate = st.getAtIndex(JAVA_LONG, 10);
                assertTrue(cLate > 0, "the late frames were counted");
                assertEquals(out.deviceLateFrames(), cLate, "the host shows the C core's count");
                assertEquals(latency, out.deviceReadLatency(), "the reader publishes L");
            } finally {
                deviceFree.invokeExact(dev);
            }
        }
    }

    static int lastErrorQuiet(MemorySegment dev) {
        try {
            return lastError(dev);
        } catch (Throwable t) {
            return -1;
        }
    }

    static void vtStats(MemorySegment dev, MemorySegment st) throws Throwable {
        stats.invokeExact(dev, st);
    }

    /** Random block sizes both ways through the C core's IO entry points; every sample checked. */
    static void exchange(MemorySegment dev, MemorySegment cbuf, ToHostReader in, FromHostWriter out, int ch, long seed)
            throws Throwable {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] planar = new float[ch][4096];
        long sent = 0, got = 0, hostSent = 0, devGot = 0;
        int cap = in.capacityFrames();
        for (int iter = 0; iter < 2000; iter++) {
            int n = rnd.nextInt(0, 1024);
            for (int f = 0; f < n; f++) {
                for (int c = 0; c < ch; c++) {
                    cbuf.setAtIndex(JAVA_FLOAT, (long) f * ch + c, RingTest.value(sent + f, c, ch));
                }
            }
            int w = (int) deviceWrite.invokeExact(dev, cbuf, n);
            assertEquals(Math.min(n, cap - (int) (sent - got)), w);
            sent += w;
            int m = rnd.nextInt(0, 1024);
            int k = in.read(planar, m);
            for (int f = 0; f < k; f++) {
                for (int c = 0; c < ch; c++) {
                    if (planar[c][f] != RingTest.value(got + f, c, ch)) {
                        fail("to host frame " + (got + f) + " channel " + c + ": " + planar[c][f]);
                    }
                }
            }
            got += k;
            n = rnd.nextInt(0, 1024);
            for (int c = 0; c < ch; c++) {
                for (int f = 0; f < n; f++) {
                    planar[c][f] = RingTest.value(hostSent + f, c, ch);
                }
            }
            hostSent += out.write(planar, n);
            m = rnd.nextInt(0, 1024);
            // the untimed read is a FIFO (the timed reads of abi.h section 6: timedExchange)
            k = (int) deviceRead.invokeExact(dev, cbuf, m);
            assertEquals(Math.min(m, hostSent - devGot), k, "frames the device reads");
            for (int f = 0; f < k; f++) {
                for (int c = 0; c < ch; c++) {
                    float v = cbuf.getAtIndex(JAVA_FLOAT, (long) f * ch + c);
                    if (v != RingTest.value(devGot + f, c, ch)) {
                        fail("from host frame " + (devGot + f) + " channel " + c + ": " + v);
                    }
                }
            }
            devGot += k;
        }
        assertTrue(got > 100_000 && devGot > 100_000, got + " " + devGot);
        assertEquals(0, in.faults() + out.faults() + in.deviceFaults() + out.deviceFaults());
    }
}
