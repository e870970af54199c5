/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java layout against the C compiler's: {@code hal-plugin/build/layout} prints every field of
 * the region header as {@code name offset size} and {@code -c} every ABI constant. Any difference,
 * a field or constant on one side only, or a missing tool fails (the reactor builds hal-plugin,
 * including the tool, before the host).
 */
class RegionLayoutTest {

    /** Path of the C layout tool, relative to the host module (surefire runs in its basedir). */
    static Path layoutTool() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return base.resolve("../hal-plugin/build/layout").normalize();
    }

    static List<String> run(String... args) throws IOException, InterruptedException {
        Path tool = layoutTool();
        if (!Files.isExecutable(tool)) {
            fail("C layout tool " + tool + " missing; it is built by the hal-plugin module (make -C hal-plugin all)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "layout tool did not finish");
        assertEquals(0, p.exitValue(), "layout tool failed: " + out);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Every named leaf of the Java header layout as "name" or "ring.name" -> {offset, size}. */
    static Map<String, long[]> javaFields() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (MemoryLayout member : RegionLayout.HEADER.memberLayouts()) {
            String name = member.name().orElseThrow(() -> new AssertionError("unnamed member " + member));
            long off = RegionLayout.HEADER.byteOffset(PathElement.groupElement(name));
            if (member instanceof GroupLayout g) {
                for (MemoryLayout inner : g.memberLayouts()) {
                    String n = inner.name().orElseThrow(() -> new AssertionError("unnamed member " + inner));
                    m.put(name + "." + n, new long[] {off + g.byteOffset(PathElement.groupElement(n)), inner.byteSize()});
                }
            } else {
                m.put(name, new long[] {off, member.byteSize()});
            }
        }
        m.put("header", new long[] {0, RegionLayout.HEADER.byteSize()});
        return m;
    }

    @Test
    void everyFieldHasTheOffsetAndSizeTheCCompilerGivesIt() throws Exception {
        Map<String, long[]> c = new LinkedHashMap<>();
        for (String line : run()) {
            String[] f = line.trim().split("\\s+");
            assertEquals(3, f.length, "unexpected layout line: " + line);
            c.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        Map<String, long[]> java = javaFields();
        List<String> diffs = new ArrayList<>();
        for (String name : new TreeSet<>(c.keySet())) {
            long[] j = java.get(name);
            long[] x = c.get(name);
            if (j == null) {
                diffs.add(name + ": in C (offset " + x[0] + ", size " + x[1] + "), missing in Java");
            } else if (j[0] != x[0] || j[1] != x[1]) {
                diffs.add(name + ": C offset " + x[0] + " size " + x[1] + ", Java offset " + j[0] + " size " + j[1]);
            }
        }
        for (String name : java.keySet()) {
            if (!c.containsKey(name)) {
                diffs.add(name + ": in Java, missing in C");
            }
        }
        assertTrue(diffs.isEmpty(), "layout differs from abi.h:\n" + String.join("\n", diffs));
        assertTrue(c.size() >= 38, "too few fields from the layout tool: " + c.keySet());
    }

    @Test
    void theNamedOffsetsAreTheLayoutsOffsets() {
        Map<String, long[]> j = javaFields();
        assertEquals(j.get("magic")[0], RegionLayout.OFF_MAGIC);
        assertEquals(j.get("abi_major")[0], RegionLayout.OFF_ABI_MAJOR);
        assertEquals(j.get("abi_minor")[0], RegionLayout.OFF_ABI_MINOR);
        assertEquals(j.get("block_frames")[0], RegionLayout.OFF_BLOCK_FRAMES);
        assertEquals(j.get("margin_frames")[0], RegionLayout.OFF_MARGIN_FRAMES);
        assertEquals(j.get("from_host.time_base")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_TIME_BASE);
        assertEquals(j.get("from_host.clock")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_CLOCK);
        assertEquals(j.get("to_host.burst_frames")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_BURST_FRAMES);
        assertEquals(j.get("to_host.wake_seq")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_WAKE_SEQ);
        assertEquals(j.get("from_host.late_frames")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_LATE_FRAMES);
        assertEquals(j.get("from_host.read_latency_frames")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_READ_LATENCY);
        assertEquals(j.get("to_host.waiting")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_WAITING);
        assertEquals(j.get("header_size")[0], RegionLayout.OFF_HEADER_SIZE);
        assertEquals(j.get("region_size")[0], RegionLayout.OFF_REGION_SIZE);
        assertEquals(j.get("generation")[0], RegionLayout.OFF_GENERATION);
        assertEquals(j.get("sample_rate")[0], RegionLayout.OFF_SAMPLE_RATE);
        assertEquals(j.get("channels")[0], RegionLayout.OFF_CHANNELS);
        assertEquals(j.get("capacity_frames")[0], RegionLayout.OFF_CAPACITY);
        assertEquals(j.get("reserved0")[0], RegionLayout.OFF_RESERVED0);
        assertEquals(j.get("device_id")[0], RegionLayout.OFF_DEVICE_ID);
        assertEquals(j.get("name")[0], RegionLayout.OFF_NAME);
        assertEquals(j.get("reserved1")[0], RegionLayout.OFF_RESERVED1);
        assertEquals(j.get("heartbeat")[0], RegionLayout.OFF_HEARTBEAT);
        assertEquals(j.get("host_flags")[0], RegionLayout.OFF_HOST_FLAGS);
        assertEquals(j.get("device_flags")[0], RegionLayout.OFF_DEVICE_FLAGS);
        assertEquals(j.get("to_host.write_pos")[0], RegionLayout.TO_HOST);
        assertEquals(j.get("from_host.write_pos")[0], RegionLayout.FROM_HOST);
        assertEquals(j.get("to_host.read_pos")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_READ_POS);
        assertEquals(j.get("from_host.consumer_faults")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_CONSUMER_FAULTS);
        assertEquals(j.get("from_host.underrun_frames")[0], RegionLayout.FROM_HOST + RegionLayout.RING_OFF_UNDERRUN_FRAMES);
        assertEquals(j.get("to_host.overruns")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_OVERRUNS);
        assertEquals(j.get("to_host.overrun_frames")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_OVERRUN_FRAMES);
        assertEquals(j.get("to_host.producer_faults")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_PRODUCER_FAULTS);
        assertEquals(j.get("to_host.underruns")[0], RegionLayout.TO_HOST + RegionLayout.RING_OFF_UNDERRUNS);
        assertEquals(256, RegionLayout.RING_CTL_SIZE);
        assertEquals(RegionLayout.LINE, RegionLayout.HEADER.byteAlignment());
        assertEquals(RegionLayout.LINE, RegionLayout.RING_CTL.byteAlignment());
    }

    /** Java value of every constant `layout -c` prints, as the tool formats it. */
    static Map<String, String> javaConstants() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("MAGIC", String.format("0x%016X", RegionLayout.MAGIC));
        m.put("ABI_MAJOR", "" + RegionLayout.ABI_MAJOR);
        m.put("ABI_MINOR", "" + RegionLayout.ABI_MINOR);
        m.put("CLOCK_NONE", "" + RegionLayout.CLOCK_NONE);
        m.put("CLOCK_MONOTONIC", "" + RegionLayout.CLOCK_MONOTONIC);
        m.put("CLOCK_PRIVATE", "" + Integer.toUnsignedString(RegionLayout.CLOCK_PRIVATE));
        m.put("MARGIN_MS", "" + RegionLayout.MARGIN_MS);
        m.put("HEADER_SIZE", "" + RegionLayout.HEADER_SIZE);
        m.put("LINE", "" + RegionLayout.LINE);
        m.put("REGION_ALIGN", "" + RegionLayout.REGION_ALIGN);
        m.put("SAMPLE_BYTES", "" + RegionLayout.SAMPLE_BYTES);
        m.put("DEVICE_ID_SIZE", "" + RegionLayout.DEVICE_ID_SIZE);
        m.put("NAME_SIZE", "" + RegionLayout.NAME_SIZE);
        m.put("RATE_MIN", "" + RegionLayout.RATE_MIN);
        m.put("RATE_MAX", "" + RegionLayout.RATE_MAX);
        m.put("CHANNELS_MIN", "" + RegionLayout.CHANNELS_MIN);
        m.put("CHANNELS_MAX", "" + RegionLayout.CHANNELS_MAX);
        m.put("CAPACITY_MIN", "" + RegionLayout.CAPACITY_MIN);
        m.put("CAPACITY_MAX", "" + RegionLayout.CAPACITY_MAX);
        m.put("IO_FRAMES_MAX", "" + RegionLayout.IO_FRAMES_MAX);
        m.put("REGION_MAX", "" + RegionLayout.REGION_MAX);
        m.put("CAPACITY_IO_FACTOR", "" + RegionLayout.CAPACITY_IO_FACTOR);
        m.put("CAPACITY_MARGIN_MS", "" + RegionLayout.CAPACITY_MARGIN_MS);
        m.put("HOST_RUNNING", "" + RegionLayout.HOST_RUNNING);
        m.put("HOST_SHUTDOWN", "" + RegionLayout.HOST_SHUTDOWN);
        m.put("HOST_FLAGS_KNOWN", "" + RegionLayout.HOST_FLAGS_KNOWN);
        m.put("DEVICE_ATTACHED", "" + RegionLayout.DEVICE_ATTACHED);
        m.put("HEARTBEAT_PERIOD_MS", "" + RegionLayout.HEARTBEAT_PERIOD_MS);
        m.put("HEARTBEAT_TIMEOUT_MS", "" + RegionLayout.HEARTBEAT_TIMEOUT_MS);
        m.put("RETRY_INTERVAL_MS", "" + RegionLayout.RETRY_INTERVAL_MS);
        m.put("RING_TO_HOST", "" + RegionLayout.RING_TO_HOST);
        m.put("RING_FROM_HOST", "" + RegionLayout.RING_FROM_HOST);
        m.put("REGION_SUFFIX", RegionLayout.REGION_SUFFIX);
        return m;
    }

    @Test
    void everyConstantHasTheValueOfAbiH() throws Exception {
        Map<String, String> c = new LinkedHashMap<>();
        for (String line : run("-c")) {
            String[] f = line.trim().split("\\s+", 2);
            assertEquals(2, f.length, "unexpected constant line: " + line);
            c.put(f[0], f[1].trim());
        }
        Map<String, String> jc = javaConstants();
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : c.entrySet()) {
            String j = jc.get(e.getKey());
            if (j == null) {
                diffs.add(e.getKey() + ": in C (" + e.getValue() + "), missing in Java");
            } else if (!j.equals(e.getValue())) {
                diffs.add(e.getKey() + ": C " + e.getValue() + ", Java " + j);
            }
        }
        for (String name : jc.keySet()) {
            if (!c.containsKey(name)) {
                diffs.add(name + ": in Java, missing in C");
            }
        }
        assertTrue(diffs.isEmpty(), "constants differ from abi.h:\n" + String.join("\n", diffs));
        // MAGIC is the bytes "VOCANARG" in memory on a little-endian machine
        byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(RegionLayout.MAGIC).array();
        assertEquals("VOCANARG", new String(b, StandardCharsets.US_ASCII));
    }

    @Test
    void capacityFollowsTheRuleOfAbiH() {
        // the examples of abi.h
        assertEquals(32768, RegionLayout.capacityFor(48000, 512));
        assertEquals(65536, RegionLayout.capacityFor(48000, 4096));
        assertEquals(131072, RegionLayout.capacityFor(192000, 4096));
        assertEquals(262144, RegionLayout.capacityFor(384000, 16384));
        assertEquals(4096, RegionLayout.capacityFor(8000, 1)); // 4 + 4000
        assertEquals(8192, RegionLayout.capacityFor(11025, 128)); // 512 + 5513 (rounded up) = 6025
        // out of range: 0, like the C function
        assertEquals(0, RegionLayout.capacityFor(7999, 512));
        assertEquals(0, RegionLayout.capacityFor(384001, 512));
        assertEquals(0, RegionLayout.capacityFor(48000, 0));
        assertEquals(0, RegionLayout.capacityFor(48000, 16385));
        for (int rate = RegionLayout.RATE_MIN; rate <= RegionLayout.RATE_MAX; rate += 997) {
            for (int io = 1; io <= RegionLayout.IO_FRAMES_MAX; io = io * 3 + 1) {
                int cap = RegionLayout.capacityFor(rate, io);
                long need = 4L * io + (rate * 500L + 999) / 1000;
                assertEquals(1, Integer.bitCount(cap), rate + "/" + io);
                assertTrue(cap >= need && (cap == 256 || cap / 2 < need), rate + "/" + io + " -> " + cap);
            }
        }
    }
}
