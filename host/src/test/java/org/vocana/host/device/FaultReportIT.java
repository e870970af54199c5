/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.control.ControlClient;
import org.vocana.host.testeffect.AllocatingEffect;
import org.vocana.host.testeffect.NanEffect;
import org.vocana.host.testeffect.SlowEffect;
import org.vocana.host.testeffect.TestBundles;
import org.vocana.host.testeffect.ThrowingEffect;
import org.vocana.host.testeffect.WrongLatencyEffect;

/**
 * Misbehaving effects in the real host with the C simulator, each reported in one line that a
 * person can act on: the device, the effect's id and version, its position as the CLI counts it
 * (an effect that is not installed still takes its number), the reason, and for an exception its
 * class, message and top frames; {@code vocana stats} shows each effect's last fault and the bytes
 * per second an allocating effect costs, which is reported once.
 */
class FaultReportIT {

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
    void everyMisbehaviourIsReportedInOneDiagnosableLineAndShowsInTheStats() throws Exception {
        assertTrue(Files.isExecutable(HostHarness.SIM), "the simulator is built by the hal-plugin module: " + HostHarness.SIM);
        host = new HostHarness(dir);
        TestBundles.effectsBundle(host.load().resolve("rogues.jar"), "org.vocana.test.rogues", "1.0.0",
                Map.of("test-throw", ThrowingEffect.class, "test-nan", NanEffect.class, "test-alloc", AllocatingEffect.class,
                        "test-slow", SlowEffect.class, "test-latency", WrongLatencyEffect.class));
        host.device("f", "absent,test-throw,test-nan,test-alloc,gain");
        host.device("s", "gain,test-slow,test-latency");
        host.start();
        assertTrue(host.awaitLog("device 'f' ready", 20_000) && host.awaitLog("device 's' ready", 5_000), host.log());

        Process simF = host.sim("f", "--tone", "1000:-20", "--seconds", "6");
        Thread.sleep(3_500);
        // while the allocating effect runs (through the control socket: a CLI JVM may take seconds to start)
        ControlClient.Response during = ControlClient.send(host.regions().resolve("control.sock"), List.of("stats", "f"));
        String[] streaming = {String.valueOf(during.status()), during.text()};
        Map<String, Long> f = host.simReport("f", simF);
        assertEquals(0L, f.get("exit"), "simulator: " + f);
        assertTrue(streaming[1].matches("(?s).*\\n  4 test-alloc +p99 [^\\n]*, alloc \\d+(\\.\\d)? [kM]B/s \\(.* in all\\).*"),
                streaming[1]);
        Map<String, Long> s = host.simReport("s", host.sim("s", "--tone", "1000:-20", "--seconds", "4"));
        assertEquals(0L, s.get("exit"), "simulator: " + s);
        Thread.sleep(1_200); // the last allocation window and fault reports are drained

        String log = host.log();
        List<String> lines = log.lines().toList();
        String threw = lines.stream().filter(l -> l.contains("'test-throw'") && l.contains(" threw ")).findFirst().orElseThrow();
        System.out.println("FaultReportIT: " + threw);
        assertTrue(threw.startsWith("vocana: device 'f': effect 'test-throw' 1.0.0 (position 2) threw"
                + " java.lang.IllegalStateException: test-throw: deliberate failure after "), threw);
        assertTrue(threw.contains(" frames at org.vocana.host.testeffect.ThrowingEffect.misbehave(ThrowingEffect.java:")
                && threw.contains(" < org.vocana.host.testeffect.Misbehaving.render(Misbehaving.java:")
                && threw.endsWith("; fault 1 of 3, bypassed, reset and faded back in after 1 s"), threw);
        assertTrue(log.contains("vocana: device 'f': effect 'test-nan' 1.0.0 (position 3) output NaN or infinity; fault 1 of 3,"
                + " bypassed, reset and faded back in after 1 s"), log);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("vocana: device 'f': effect 'test-alloc' 1.0.0 (position 4)"
                + " allocates on the audio thread: ")).count(), log);
        assertEquals(1, host.count("allocates on the audio thread"), "reported once: " + log);
        assertTrue(log.contains("vocana: device 's': effect 'test-slow' 1.0.0 (position 2) exceeded its time budget on"
                + " consecutive blocks; fault 1 of 3"), log);
        assertTrue(log.contains("vocana: device 's': effect 'test-latency' left out of the chain: reports a latency of -5 frames;"
                + " accepted 0..480000 (10 s); back when its bundle is updated, or with vocana enable"), log);

        String[] stats = host.cli("stats", "f");
        assertEquals("0", stats[0], stats[1]);
        String out = stats[1];
        assertTrue(out.matches("(?s).*\\n  2 test-throw +p99 [^\\n]*faults \\d[^\\n]*\\n      last fault \\d\\d:\\d\\d:\\d\\d: threw"
                + " java.lang.IllegalStateException: test-throw: deliberate failure after \\d+ frames at [^\\n]*.*"), out);
        assertTrue(out.matches("(?s).*\\n  3 test-nan +p99 [^\\n]*\\n      last fault \\d\\d:\\d\\d:\\d\\d: output NaN or infinity.*"),
                out);
        assertTrue(out.matches("(?s).*\\n  4 test-alloc +p99 [^\\n]*, alloc \\d+(\\.\\d)? [kM]?B/s \\(\\d+\\.\\d [kM]B in all\\).*"),
                out);
        assertTrue(out.matches("(?s).*\\n  5 gain +p99 [^\\n]*, alloc 0 B/s.*"), out);
        assertTrue(out.contains("\n  1 absent       not installed (left out)"), out);
        String[] slow = host.cli("stats", "s");
        assertTrue(slow[1].matches("(?s).*\\n  2 test-slow +p99 [^\\n]*\\n      last fault \\d\\d:\\d\\d:\\d\\d: exceeded its time"
                + " budget.*\\n  3 test-latency +left out: reports a latency of -5 frames.*"), slow[1]);
        assertEquals(List.of(), host.stackTraces(), log + host.out());
    }
}
