/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.chain.ChainSpec;

/**
 * Control edits are atomic read-modify-writes of the device's configuration: 100 clients send
 * {@code insert} and {@code set} at once through the real host's control socket, and not one
 * update is lost; a value that looks like more effects is refused and adds none.
 */
class ControlConcurrencyIT {

    @TempDir
    Path dir;
    private Process host;

    @AfterEach
    void stop() throws InterruptedException {
        if (host != null && host.isAlive()) {
            host.destroy();
            if (!host.waitFor(10, TimeUnit.SECONDS)) {
                host.destroyForcibly();
            }
        }
    }

    private Path socket() {
        return dir.resolve("xdg/vocana/control.sock");
    }

    private ControlClient.Response send(String... words) throws IOException {
        return ControlClient.send(socket(), List.of(words));
    }

    private String err() throws IOException {
        return Files.readString(dir.resolve("host.err"));
    }

    @Test
    void aHundredConcurrentEditsLoseNoUpdate() throws Exception {
        Files.createDirectories(dir.resolve("load"));
        Files.writeString(dir.resolve("load/org.vocana.device-cc.cfg"), "id=cc\nchain=highpass\n");
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("vocana.java", "java"), "-XX:+UseZGC",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive",
                "-Dfelix.fileinstall.dir=" + dir.resolve("load"), "-jar", System.getProperty("vocana.jar"), "run")
                .directory(dir.toFile()).redirectOutput(dir.resolve("host.out").toFile()).redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (!(Files.exists(socket()) && err().contains("device 'cc' ready")) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(err().contains("device 'cc' ready"), err());

        CountDownLatch go = new CountDownLatch(1);
        List<Future<ControlClient.Response>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(100)) {
            for (int i = 1; i <= 100; i++) {
                String[] words = i % 2 == 0
                        ? new String[] {"insert", "cc", "end", "gain:gainDb=-" + i / 2}
                        : new String[] {"set", "cc", "1", "cutoffHz=" + (100 + i)};
                answers.add(pool.submit(() -> {
                    go.await();
                    return send(words);
                }));
            }
            go.countDown();
            for (Future<ControlClient.Response> f : answers) {
                ControlClient.Response r = f.get(60, TimeUnit.SECONDS);
                assertEquals(0, r.status(), r.text());
            }
        }
        // what the configuration holds now, and then what the device runs, has every update
        TreeSet<Integer> gains = new TreeSet<>();
        String chain = "";
        end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            chain = send("chain", "cc").text();
            if (chain.split(",").length == 51) {
                break;
            }
            Thread.sleep(200);
        }
        ChainSpec spec = ChainSpec.parse(chain);
        assertEquals(51, spec.slots().size(), "1 highpass + 50 inserted gains: " + chain);
        assertEquals("highpass", spec.slots().get(0).effectId());
        int cutoff = Integer.parseInt(spec.slots().get(0).parameters().get("cutoffHz"));
        assertTrue(cutoff > 100 && cutoff < 200 && cutoff % 2 == 1, "one of the cutoffs set: " + cutoff);
        for (ChainSpec.Slot s : spec.slots().subList(1, 51)) {
            assertEquals("gain", s.effectId());
            gains.add(Integer.parseInt(s.parameters().get("gainDb")));
        }
        assertEquals(50, gains.size(), "every insert is there once: " + gains);
        assertEquals(-50, gains.first());
        assertEquals(-1, gains.last());

        ControlClient.Response spliced = send("set", "cc", "1", "cutoffHz=80,denoise,denoise");
        assertEquals(2, spliced.status(), spliced.text());
        assertEquals("highpass: cutoffHz='80,denoise,denoise' is not a value; accepted a number, or on/off for a switch"
                + " (no ',' ':' '=' or spaces)", spliced.text());
        assertEquals(chain, send("chain", "cc").text(), "nothing added");
        assertTrue(host.isAlive());
    }
}
