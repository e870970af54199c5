/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java host and C device side in two processes: the device simulator
 * ({@code hal-plugin/build/vocana-sim}, built by hal-plugin) attaches to a region the Java host
 * created, while the host bumps the heartbeat from a thread and serves both rings. (a) The
 * simulator plays a sequence into "to host", the host checks every sample; (b) the host plays the
 * sequence into "from host", the simulator checks it. Skipped (assumption) while the simulator
 * does not exist yet. {@code -Dvocana.sim=PATH} points the test at another binary.
 */
class SimulatorCrossProcessTest {

    static final long FRAMES = 2_000_000;
    static final int CHANNELS = 2;
    static final int BLOCK = 1024;

    @TempDir
    Path tmp;

    static Path simulator() {
        String p = System.getProperty("vocana.sim");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        return RegionLayoutTest.layoutTool().resolveSibling("vocana-sim");
    }

    /** The host side of one run: heartbeat thread, rings served until the simulator exits. */
    static final class Host {
        final DeviceRegion region;
        final ToHostReader in;
        final FromHostWriter out;
        final boolean sendSequence;
        final boolean checkSequence;
        final float[][] planar = new float[CHANNELS][BLOCK];
        long sent;
        long checked;
        long leadingZeros;
        long trailingZeros;
        long errors;
        String firstError;
        boolean started;
        boolean attached;

        Host(DeviceRegion region, boolean sendSequence, boolean checkSequence) {
            this.region = region;
            this.in = region.toHostReader();
            this.out = region.fromHostWriter();
            this.sendSequence = sendSequence;
            this.checkSequence = checkSequence;
        }

        /** One service step; true if it moved data. */
        boolean step() {
            boolean moved = false;
            int n = Math.min(in.available(), BLOCK);
            if (n > 0) {
                in.read(planar, n);
                if (checkSequence) {
                    check(n);
                }
                moved = true;
            }
            int s = Math.min(out.space(), BLOCK);
            // the device discards what the ring holds when it attaches: start the sequence after
            if (sendSequence && !attached) {
                attached = (region.deviceFlags() & RegionLayout.DEVICE_ATTACHED) != 0;
                if (!attached) {
                    return moved;
                }
            }
            if (s > 0) {
                if (sendSequence) {
                    for (int c = 0; c < CHANNELS; c++) {
                        for (int f = 0; f < s; f++) {
                            planar[c][f] = RingTest.value(sent + f, c, CHANNELS);
                        }
                    }
                    sent += out.write(planar, s);
                } else {
                    sent += out.writeSilence(s);
                }
                moved = true;
            }
            return moved;
        }

        void check(int n) {
            for (int f = 0; f < n; f++) {
                boolean zero = true;
                for (int c = 0; c < CHANNELS; c++) {
                    zero &= planar[c][f] == 0f;
                }
                if (!started && zero) {
                    leadingZeros++;
                    continue;
                }
                started = true;
                if (checked >= FRAMES) {
                    if (zero) {
                        trailingZeros++;
                    } else {
                        error("frame " + checked + " beyond the sequence is not silence");
                    }
                    checked++;
                    continue;
                }
                for (int c = 0; c < CHANNELS; c++) {
                    float want = RingTest.value(checked, c, CHANNELS);
                    if (planar[c][f] != want) {
                        error("sequence frame " + checked + " channel " + c + ": " + planar[c][f] + ", expected " + want);
                    }
                }
                checked++;
            }
        }

        void error(String s) {
            if (errors++ == 0) {
                firstError = s;
            }
        }
    }

    record Run(int exit, Map<String, Long> stats, String stdout, String stderr, double seconds, Host host) {
    }

    Run run(boolean sendSequence, boolean checkSequence, String... simArgs) throws Exception {
        return run(false, sendSequence, checkSequence, simArgs);
    }

    /** shm: the region is the shared-memory object /vocana.<id> (macOS's transport), not a file. */
    Run run(boolean shm, boolean sendSequence, boolean checkSequence, String... simArgs) throws Exception {
        Path sim = simulator();
        assertTrue(Files.isExecutable(sim), "device simulator " + sim + " is not built; the reactor builds it (hal-plugin module), or: make -C hal-plugin all");
        Path dir = tmp.resolve("vocana");
        String id = shm ? "sim" + ProcessHandle.current().pid() : "sim0";
        try (DeviceRegion region = shm
                ? DeviceRegion.createShared(id, "Simulator test", 48000, CHANNELS, 512, DeviceRegion.newGeneration(), 0600)
                : DeviceRegion.create(dir, id, "Simulator test", 48000, CHANNELS, 512, DeviceRegion.newGeneration())) {
            Host host = new Host(region, sendSequence, checkSequence);
            Thread beat = Thread.ofPlatform().name("heartbeat").daemon().start(() -> {
                while (region.heartbeat()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    if (Thread.interrupted()) {
                        return;
                    }
                }
            });
            List<String> cmd = new ArrayList<>(shm ? List.of(sim.toString(), "--shm")
                    : List.of(sim.toString(), "--dir", dir.toString()));
            cmd.addAll(List.of("--device", id, "--wait-host", "10"));
            cmd.addAll(List.of(simArgs));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).start();
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> slurp(p.getInputStream()));
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> slurp(p.getErrorStream()));
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            try {
                while (p.isAlive()) {
                    if (!host.step()) {
                        LockSupport.parkNanos(50_000);
                    }
                    if (System.nanoTime() > deadline) {
                        p.destroyForcibly();
                        fail("simulator did not finish within 120 s; host sent " + host.sent + ", checked " + host.checked);
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                while (host.step()) {
                    // drain what the simulator wrote before it exited
                }
                int exit = p.waitFor();
                String o = stdout.get(10, TimeUnit.SECONDS);
                Map<String, Long> stats = new HashMap<>();
                for (String line : o.split("\n")) {
                    String[] kv = line.trim().split("\\s+");
                    if (kv.length == 2 && kv[1].matches("-?\\d+")) {
                        stats.put(kv[0], Long.parseLong(kv[1]));
                    }
                }
                return new Run(exit, stats, o, stderr.get(10, TimeUnit.SECONDS), seconds, host);
            } finally {
                p.destroyForcibly();
                beat.interrupt();
                beat.join();
            }
        }
    }

    static String slurp(java.io.InputStream s) {
        try {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Test
    void everySampleTheSimulatorPlaysReachesTheHostInOrder() throws Exception {
        Run r = run(false, true, "--sequence", "--fast", "--frames", Long.toString(FRAMES), "--quiet");
        String ctx = "exit " + r.exit() + "\nstdout:\n" + r.stdout() + "stderr:\n" + r.stderr();
        assertEquals(0, r.exit(), ctx);
        Host h = r.host();
        assertEquals(0, h.errors, () -> h.errors + " sequence errors, first: " + h.firstError + "\n" + ctx);
        assertEquals(FRAMES, h.checked - h.trailingZeros, "sequence frames received\n" + ctx);
        assertEquals(FRAMES, r.stats().get("frames_written"), ctx);
        assertEquals(0, r.stats().get("overruns"), ctx);
        assertEquals(0, h.in.faults() + h.out.faults(), ctx);
        System.out.printf("C -> Java across processes: %d frames (stereo float) in %.2f s = %.2f M frames/s%n",
                FRAMES, r.seconds(), FRAMES / r.seconds() / 1e6);
    }

    @Test
    void theSimulatorVerifiesEverySampleTheHostPlays() throws Exception {
        Run r = run(true, false, "--verify-sequence", "--fast", "--frames", Long.toString(FRAMES), "--quiet");
        String ctx = "exit " + r.exit() + "\nstdout:\n" + r.stdout() + "stderr:\n" + r.stderr();
        assertEquals(0, r.exit(), ctx);
        assertEquals(0, r.stats().get("sequence_errors"), ctx);
        assertTrue(r.stats().get("sequence_frames") >= FRAMES, ctx);
        assertEquals(0, r.host().out.faults() + r.host().in.faults(), ctx);
        System.out.printf("Java -> C across processes: %d frames verified in %.2f s = %.2f M frames/s%n",
                FRAMES, r.seconds(), FRAMES / r.seconds() / 1e6);
    }

    @Test
    void overSharedMemoryEverySampleArrivesBothWays() throws Exception {
        Run r = run(true, false, true, "--sequence", "--fast", "--frames", Long.toString(FRAMES), "--quiet");
        String ctx = "exit " + r.exit() + "\nstdout:\n" + r.stdout() + "stderr:\n" + r.stderr();
        assertEquals(0, r.exit(), ctx);
        Host h = r.host();
        assertEquals(0, h.errors, () -> h.errors + " sequence errors, first: " + h.firstError + "\n" + ctx);
        assertEquals(FRAMES, h.checked - h.trailingZeros, "sequence frames received\n" + ctx);
        System.out.printf("C -> Java across processes over shared memory: %d frames in %.2f s = %.2f M frames/s%n",
                FRAMES, r.seconds(), FRAMES / r.seconds() / 1e6);
        r = run(true, true, false, "--verify-sequence", "--fast", "--frames", Long.toString(FRAMES), "--quiet");
        String ctx2 = "exit " + r.exit() + "\nstdout:\n" + r.stdout() + "stderr:\n" + r.stderr();
        assertEquals(0, r.exit(), ctx2);
        assertEquals(0, r.stats().get("sequence_errors"), ctx2);
        assertTrue(r.stats().get("sequence_frames") >= FRAMES, ctx2);
        System.out.printf("Java -> C across processes over shared memory: %d frames verified in %.2f s = %.2f M frames/s%n",
                FRAMES, r.seconds(), FRAMES / r.seconds() / 1e6);
    }
}
