/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.ring.RegionLayout;
import org.vocana.host.wav.WavReader;

/**
 * The real host's audio thread dies (its region is truncated under it while the simulator streams:
 * the JVM turns the fault into InternalError) and is replaced: one line says what killed it, the
 * stats count the restart, and the device streams its chain to a new simulator run. The region is
 * the POSIX shared-memory object (macOS's transport, here on Linux): the file transport's sealed
 * memfd cannot be truncated.
 */
class AudioThreadDeathIT {

    @TempDir
    Path dir;
    private HostHarness host;

    @AfterEach
    void stop() throws InterruptedException {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void anAudioThreadKilledByATruncatedMappingIsReplacedAndTheDeviceStreamsOn() throws Exception {
        assertTrue(Files.isExecutable(HostHarness.SIM), "the simulator is built by the hal-plugin module: " + HostHarness.SIM);
        host = new HostHarness(dir);
        String id = "death" + ProcessHandle.current().pid();
        Path region = Path.of("/dev/shm/vocana." + id);
        host.device(id, "gain:gainDb=-6");
        host.start("-Dvocana.region.transport=shm");
        try {
            assertTrue(host.awaitLog("device '" + id + "' ready", 20_000), host.log());
            Process first = host.simShm(id, "--tone", "1000:-20", "--seconds", "30");
            Thread.sleep(1_500);
            long size = Files.size(region);
            long fromHost = RegionLayout.HEADER_SIZE + (size - RegionLayout.HEADER_SIZE) / 2;
            try (RandomAccessFile f = new RandomAccessFile(region.toFile(), "rw")) {
                f.setLength(fromHost); // the "from host" ring's pages are gone
                assertTrue(host.awaitLog("the audio thread died of ", 3_000), host.log());
                Thread.sleep(300);
                f.setLength(size);
            }
            deathAndRecovery(id, first);
        } finally {
            host.close();
            Files.deleteIfExists(region);
        }
    }

    private void deathAndRecovery(String id, Process first) throws Exception {
        first.destroy();
        first.waitFor(10, TimeUnit.SECONDS);
        String line = host.log().lines().filter(l -> l.contains("the audio thread died of ")).findFirst().orElseThrow();
        System.out.println("AudioThreadDeathIT: " + line);
        assertTrue(line.startsWith("vocana: device '" + id + "': the audio thread died of java.lang.InternalError: ")
                && line.contains("; a new audio thread took over (restart 1"), line);

        Path rec = dir.resolve("rec.wav");
        Thread.sleep(1_500); // the region self-check may re-create the region: the next run attaches to what is there
        Map<String, Long> report = host.simReport(id, host.simShm(id, "--tone", "1000:-20", "--record", rec.toString(),
                "--seconds", "2", "--wait-host", "5"));
        assertEquals(0L, report.get("exit"), "simulator: " + report);
        float[][] y;
        try (WavReader r = WavReader.open(rec)) {
            int frames = (int) r.frames();
            y = new float[2][frames];
            r.read(y, frames);
        }
        assertEquals(-29.01, DeviceIT.medianLevelDb(java.util.Arrays.copyOfRange(y[0], 48_000, y[0].length - 4_800)), 0.1,
                "the device streams its chain again");
        String[] stats = host.cli("stats", id);
        assertTrue(stats[1].matches("(?s).*faults 0, audio thread restarts \\d+\\n.*"), stats[1]);
        assertEquals(List.of(), host.stackTraces(), host.log() + host.out());
    }
}
