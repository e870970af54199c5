/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.control.ControlClient;
import org.vocana.host.testbundle.Bundles;
import org.vocana.host.testbundle.FailingConstructorEffect;
import org.vocana.host.testbundle.FakeGainEffect;
import org.vocana.host.testbundle.ThrowingActivator;
import org.vocana.host.testeffect.HalfEffect;

/**
 * Every invalid device file, every invalid edit of a running device and every failing bundle in
 * load/ gets exactly one line on stderr naming the file, the key (or manifest header), the value
 * (shortened) and what is accepted; devices keep their last good settings or do not start; a
 * duplicate id is refused without touching the device that has it. One real host, a table of 38
 * kinds of mistakes.
 */
class ConfigErrorsIT {

    @TempDir
    Path dir;

    /** A file for load/ and the fragments its one line must hold. */
    record Case(String kind, String file, byte[] content, List<String> expected) {
        static Case text(String kind, String file, String content, String... expected) {
            return new Case(kind, file, content.getBytes(StandardCharsets.ISO_8859_1), List.of(expected));
        }

        static Case device(String kind, String content, String... expected) {
            return text(kind, "org.vocana.device-" + kind + ".cfg", content, expected);
        }
    }

    private static final String NOT_STARTED = "; the device is not started";

    static List<Case> atStart() throws Exception {
        byte[] random = new byte[512];
        new Random(17).nextBytes(random);
        String megabyte = "gain,".repeat(200_000) + "gain";
        return List.of(
                Case.device("rate0", "id=rate0\nsampleRate=0\n", "sampleRate '0': not accepted (accepted: an integer 8000..192000)" + NOT_STARTED),
                Case.device("rate1e6", "id=rate1e6\nsampleRate=1e6\n", "sampleRate '1e6': not accepted (accepted: an integer 8000..192000)"),
                Case.device("rate1m", "id=rate1m\nsampleRate=1000000\n", "sampleRate '1000000': not accepted (accepted: an integer 8000..192000)"),
                Case.device("rateabc", "id=rateabc\nsampleRate=fast\n", "sampleRate 'fast': not accepted (accepted: an integer 8000..192000)"),
                Case.device("ch65", "id=ch65\nchannels=65\n", "channels '65': not accepted (accepted: an integer 1..8)"),
                Case.device("ch0", "id=ch0\nchannels=0\n", "channels '0': not accepted (accepted: an integer 1..8)"),
                Case.device("io0", "id=io0\nioFrames=0\n", "ioFrames '0': not accepted (accepted: an integer 16..4096)"),
                Case.device("io1e9", "id=io1e9\nioFrames=1000000000\n", "ioFrames '1000000000': not accepted (accepted: an integer 16..4096)"),
                Case.device("noid", "sampleRate=48000\n", "id is missing (accepted: 1-31 of A-Z a-z 0-9 _ . -, not starting with '.')" + NOT_STARTED),
                Case.device("passwd", "id=../../etc/passwd\n", "id '../../etc/passwd': not accepted (accepted: 1-31 of"),
                Case.device("emptyid", "id=\n", "id '': not accepted (accepted: 1-31 of"),
                Case.device("longid", "id=" + "x".repeat(32) + "\n", "id '" + "x".repeat(32) + "': not accepted"),
                Case.device("fadenan", "id=fadenan\nfadeMs=NaN\n", "fadeMs 'NaN': not accepted (accepted: a number 1..100)"),
                Case.device("fade0", "id=fade0\nfadeMs=0\n", "fadeMs '0': not accepted (accepted: a number 1..100)"),
                Case.device("watchdog", "id=watchdog\nwatchdogMs=10\n", "watchdogMs '10': not accepted (accepted: an integer 50..900)"),
                new Case("utf16", "org.vocana.device-utf16.cfg", "id=utf16\nsampleRate=48000\n".getBytes(StandardCharsets.UTF_16),
                        List.of("encoding 'UTF-16BE (byte-order mark FE FF)': not accepted (accepted: text in UTF-8 or ISO-8859-1")),
                new Case("random", "org.vocana.device-random.cfg", random,
                        List.of("encoding 'binary (control byte 0x", "not accepted (accepted: text in UTF-8 or ISO-8859-1")),
                Case.device("chainsyntax", "id=chainsyntax\nchain=gain:gainDb=\n",
                        "chain 'gain:gainDb=': malformed chain spec at 'gain:gainDb='", "(accepted: id[:param=value...]"),
                Case.device("chainmb", "id=chainmb\nchain=" + megabyte + "\n",
                        "chain 'gain,gain,gain,gain,gain,gain,gain,gain,gain,gain,gain,gain,... (1000004 characters)': longer than 4096 characters"),
                Case.device("longname", "id=longname\nname=" + "N".repeat(100) + "\n", "name '" + "N".repeat(60) + "... (100 characters)': not accepted (accepted: at most 63 bytes"),
                Case.device("typo", "id=typo\nsampleRat=44100\n", "sampleRat '44100': an unknown key (accepted: the keys id, name, sampleRate"),
                new Case("notajar", "notajar.jar", "this is not a zip archive".getBytes(StandardCharsets.US_ASCII),
                        List.of(": not a jar (", "(accepted: an OSGi bundle, a jar whose manifest has Bundle-SymbolicName); the file is ignored")),
                new Case("nomanifest", "nomanifest.jar", Bundles.zipWithoutManifest(),
                        List.of(": META-INF/MANIFEST.MF is missing (accepted: an OSGi bundle")),
                new Case("nobsn", "nobsn.jar", Bundles.bundle(null).add(HalfEffect.class).jar(),
                        List.of(": Bundle-SymbolicName is missing from its manifest (accepted: an OSGi bundle")),
                new Case("unresolvable", "unresolvable.jar", Bundles.bundle("org.vocana.test.unresolvable")
                        .effect(HalfEffect.class, "test-half").header("Import-Package", "org.vocana.sdk,com.example.nowhere").jar(),
                        List.of(": Import-Package 'com.example.nowhere': nothing installed provides it (accepted: what the host or an"
                                + " installed bundle provides); the bundle is not started")),
                new Case("activator", "activator.jar", Bundles.bundle("org.vocana.test.activator").activator(ThrowingActivator.class).jar(),
                        List.of(": Bundle-Activator 'org.vocana.host.testbundle.ThrowingActivator': its start method threw"
                                + " java.lang.IllegalStateException: activator fails on purpose (accepted: an activator that returns);"
                                + " the bundle is not started")),
                new Case("dupbsn", "dupbsn.jar", Bundles.bundle("org.vocana.effect.gain").header("Bundle-Version", "0.1.0.SNAPSHOT")
                        .add(HalfEffect.class).jar(),
                        List.of(": Bundle-SymbolicName 'org.vocana.effect.gain' with Bundle-Version '0.1.0.SNAPSHOT': already installed"
                                + " from the host's bundle org.vocana.effect.gain (accepted: a symbolic name and version no other bundle has)")),
                new Case("dupeffect", "dupeffect.jar", Bundles.bundle("org.vocana.test.dupeffect").effect(FakeGainEffect.class, "gain").jar(),
                        List.of(": vocana.effect.id 'gain': already provided by bundle 'org.vocana.effect.gain' (accepted: an effect id"
                                + " no installed effect has); this effect is ignored")),
                new Case("ctor", "ctor.jar", Bundles.bundle("org.vocana.test.ctor").effect(FailingConstructorEffect.class, "test-ctor").jar(),
                        List.of(": component 'FailingConstructorEffect' (Service-Component):", "java.lang.IllegalStateException: constructor"
                                + " fails on purpose", "(accepted: a component that activates); it is not active")));
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    private List<String> lines(HostRun host, String text) {
        return host.errLines(text);
    }

    @Test
    void everyMistakeGetsExactlyOneLineAndGoodDevicesStayUntouched() throws Exception {
        try (HostRun host = new HostRun(dir)) {
            List<Case> cases = new ArrayList<>(atStart());
            host.put("org.vocana.device-good.cfg", "id=good\nchain=gain:gainDb=-6\n");
            host.put("org.vocana.device-pass-a.cfg", "id=pass\n");
            for (Case c : cases) {
                host.put(c.file(), c.content());
            }
            host.start();
            assertTrue(host.awaitErr("device 'good' ready", 20_000), host.err());
            assertTrue(host.awaitErr("device 'pass' ready", 20_000), host.err());
            assertTrue(HostRun.await(() -> cases.stream().allMatch(c -> !lines(host, host.load().resolve(c.file()) + ": ").isEmpty()),
                    20_000), "a line for every file; stderr:\n" + host.err());
            // FileInstall retries failing bundles at every change, SCR re-activates: still one line each
            Path late = host.put("org.vocana.device-pass-b.cfg", "id=pass\n");
            assertTrue(HostRun.await(() -> !lines(host, late + ": ").isEmpty(), 10_000), host.err());
            Thread.sleep(3_000);
            List<String> err = host.err().lines().toList();
            for (Case c : cases) {
                String path = host.load().resolve(c.file()).toString();
                List<String> mine = err.stream().filter(l -> l.contains(path)).toList();
                assertEquals(1, mine.size(), c.kind() + ": one line for " + path + ", got " + mine);
                String line = mine.get(0);
                assertTrue(line.startsWith("vocana: " + path + ": "), c.kind() + ": " + line);
                for (String fragment : c.expected()) {
                    assertTrue(line.contains(fragment), c.kind() + ": '" + fragment + "' in " + line);
                }
                assertTrue(line.length() < 400, c.kind() + ": a short line, not " + line.length() + " characters");
            }

            // a second file with a taken id is refused, naming both files; the first device streams on
            List<String> dup = lines(host, late + ": ");
            assertEquals(1, dup.size(), dup.toString());
            assertEquals("vocana: " + late + ": id 'pass': taken by the device of " + host.load().resolve("org.vocana.device-pass-a.cfg")
                    + " (accepted: an id no other device uses; this one starts when that id is free); the device is not started",
                    dup.get(0));
            assertEquals(1, count(err, "device 'pass' ready"), "the first 'pass' was never restarted: " + host.err());
            Map<String, Long> seq = host.sim("pass", "--sequence", "--verify-sequence", "--fast", "--frames", "200000");
            assertEquals(0L, seq.get("sequence_errors"), "the first 'pass' passes every sample: " + seq);
            assertEquals(200_000L, seq.get("sequence_frames"), seq.toString());

            ControlClient.Response devices = host.control("devices");
            assertEquals(0, devices.status(), devices.text());
            assertEquals(List.of("good", "pass"), devices.text().lines().map(l -> l.substring(0, l.indexOf(' '))).toList(),
                    "only the good devices run: " + devices.text());

            // invalid edits of a running device: one line each, it keeps its last good settings
            Path good = host.load().resolve("org.vocana.device-good.cfg");
            String keeps = "; device 'good' keeps its last good settings";
            String[][] edits = {
                {"id=good\nchannels=65\nchain=gain:gainDb=-6\n", "channels '65': not accepted (accepted: an integer 1..8)" + keeps},
                {"id=good\nchain=gain:gainDb=\n", "chain 'gain:gainDb=': malformed chain spec at 'gain:gainDb='"},
                {"id=good\nfadeMs=NaN\nchain=gain:gainDb=-6\n", "fadeMs 'NaN': not accepted (accepted: a number 1..100)" + keeps},
                {"id=pass\nchain=gain:gainDb=-6\n", "id 'pass': taken by the device of " + host.load().resolve("org.vocana.device-pass-a.cfg")},
                {"id=good\nchain=gain:gainDb=99\n", "chain 'gain:gainDb=99': gain: gainDb=99 is out of range: accepted -60..24 dB" + keeps},
                {"id=good\nsampleRate=0\nchain=gain:gainDb=-6\n", "sampleRate '0': not accepted (accepted: an integer 8000..192000)" + keeps},
            };
            for (String[] edit : edits) {
                long before = count(host.err().lines().toList(), good + ": ");
                host.put("org.vocana.device-good.cfg", edit[0]);
                assertTrue(HostRun.await(() -> count(host.err().lines().toList(), good + ": ") == before + 1, 10_000),
                        "a line for the edit " + edit[0] + "; stderr:\n" + host.err());
                Thread.sleep(700); // a second poll of the folder: still one line
                List<String> mine = lines(host, good + ": ");
                assertEquals(before + 1, mine.size(), mine.toString());
                assertTrue(mine.get(mine.size() - 1).contains(edit[1]) && mine.get(mine.size() - 1).endsWith(keeps),
                        mine.get(mine.size() - 1));
            }
            assertEquals(1, count(host.err().lines().toList(), "device 'good' ready"), "never restarted: " + host.err());
            ControlClient.Response chain = host.control("chain", "good");
            assertEquals("gain:gainDb=-6", chain.text(), "the last good chain runs");
            Map<String, Long> tone = host.sim("good", "--sequence", "--fast", "--frames", "20000");
            assertEquals(0L, tone.get("exit"), "still streaming at 48 kHz, stereo: " + tone);

            // invalid edits through the control socket: one line back, nothing changes
            String[][] commands = {
                {"set", "good", "gain", "gainDb=3,denoise,denoise"},
                {"set", "good", "gain", "gainDb=loud"},
                {"insert", "good", "end", "gain:volume=3"},
            };
            String[] answers = {
                "gain: gainDb='3,denoise,denoise' is not a value; accepted a number, or on/off for a switch (no ',' ':' '=' or spaces)",
                "gain: gainDb='loud' is not a number; accepted -60..24 dB",
                "effect 'gain' has no parameter 'volume'; its parameters: gainDb, mute",
            };
            // the file's last edit is not accepted: control edits refuse it too, naming the file
            ControlClient.Response refused = host.control("set", "good", "gain", "gainDb=3");
            assertEquals(1, refused.status(), refused.text());
            assertEquals("device 'good': its configuration is not accepted (sampleRate '0': not accepted (accepted: an integer"
                    + " 8000..192000)); fix " + good + " first", refused.text());
            host.put("org.vocana.device-good.cfg", "id=good\nchain=gain:gainDb=-6\n");
            Thread.sleep(1_500);
            for (int i = 0; i < commands.length; i++) {
                ControlClient.Response r = host.control(commands[i]);
                assertEquals(2, r.status(), r.text());
                assertEquals(answers[i], r.text());
            }
            assertEquals("gain:gainDb=-6", host.control("chain", "good").text(), "no effect added, nothing changed");

            // the holder of 'pass' goes: the waiting file gets the id
            Files.delete(host.load().resolve("org.vocana.device-pass-a.cfg"));
            assertTrue(HostRun.await(() -> count(host.err().lines().toList(), "device 'pass' ready") == 2, 10_000), host.err());

            String all = host.err() + host.out();
            assertFalse(all.contains("\tat "), "no stack trace: " + all);
            assertFalse(all.contains("Exception in thread"), all);
            assertTrue(host.process.isAlive());
        }
    }
}
