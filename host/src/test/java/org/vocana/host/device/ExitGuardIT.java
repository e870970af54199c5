/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.control.ControlClient;
import org.vocana.host.testbundle.Bundles;
import org.vocana.host.testbundle.MethodRefExitActivator;
import org.vocana.host.testbundle.RuntimeExitActivator;
import org.vocana.host.testbundle.RuntimeExitEffect;
import org.vocana.host.testbundle.RuntimeHaltActivator;
import org.vocana.host.testbundle.RuntimeHaltEffect;
import org.vocana.host.testbundle.SystemExitActivator;
import org.vocana.host.testbundle.SystemExitEffect;

/**
 * A bundle cannot end the host: bundles whose activator calls System.exit, Runtime.exit,
 * Runtime.halt (and System::exit through a method reference), and effects that call each of them
 * on the audio thread, are dropped into a running host's load/ while a device streams. The host
 * lives on, every call is reported once as its bundle's fault, and the device keeps streaming.
 */
class ExitGuardIT {

    @TempDir
    Path dir;

    @Test
    void exitCallsInBundlesThrowAndTheHostStreamsOn() throws Exception {
        try (HostRun host = new HostRun(dir)) {
            host.put("org.vocana.device-ex.cfg", "id=ex\nchain=test-system-exit,test-runtime-exit,test-runtime-halt,gain:gainDb=-6\n");
            host.start();
            assertTrue(host.awaitErr("device 'ex' ready", 20_000), host.err());
            record Jar(String name, byte[] bytes, String line) {
            }
            List<Jar> jars = List.of(
                    new Jar("a-system-exit.jar", Bundles.bundle("org.vocana.test.a1").activator(SystemExitActivator.class).jar(),
                            "bundle 'org.vocana.test.a1' called System.exit(41) in " + SystemExitActivator.class.getName() + ".start"),
                    new Jar("a-runtime-exit.jar", Bundles.bundle("org.vocana.test.a2").activator(RuntimeExitActivator.class).jar(),
                            "bundle 'org.vocana.test.a2' called Runtime.exit(42) in " + RuntimeExitActivator.class.getName() + ".start"),
                    new Jar("a-runtime-halt.jar", Bundles.bundle("org.vocana.test.a3").activator(RuntimeHaltActivator.class).jar(),
                            "bundle 'org.vocana.test.a3' called Runtime.halt(43) in " + RuntimeHaltActivator.class.getName() + ".start"),
                    new Jar("a-method-ref.jar", Bundles.bundle("org.vocana.test.a4").activator(MethodRefExitActivator.class).jar(),
                            "bundle 'org.vocana.test.a4' called System.exit(44) in "),
                    new Jar("e-system-exit.jar", Bundles.bundle("org.vocana.test.e1").effect(SystemExitEffect.class, "test-system-exit").jar(),
                            "bundle 'org.vocana.test.e1' called System.exit(51) in " + SystemExitEffect.class.getName() + ".render"),
                    new Jar("e-runtime-exit.jar", Bundles.bundle("org.vocana.test.e2").effect(RuntimeExitEffect.class, "test-runtime-exit").jar(),
                            "bundle 'org.vocana.test.e2' called Runtime.exit(52) in " + RuntimeExitEffect.class.getName() + ".render"),
                    new Jar("e-runtime-halt.jar", Bundles.bundle("org.vocana.test.e3").effect(RuntimeHaltEffect.class, "test-runtime-halt").jar(),
                            "bundle 'org.vocana.test.e3' called Runtime.halt(53) in " + RuntimeHaltEffect.class.getName() + ".render"));
            for (Jar j : jars) {
                host.put(j.name(), j.bytes());
            }
            assertTrue(host.awaitErr("installed effects changed: chain now test-system-exit,test-runtime-exit,test-runtime-halt,gain", 15_000),
                    host.err());
            // audio through the chain: each effect calls its exit on the audio thread
            Map<String, Long> run = host.sim("ex", "--tone", "1000:-20", "--seconds", "3");
            assertEquals(0L, run.get("exit"), "simulator " + run);
            assertTrue(run.get("frames_read") > 100_000, "the device streamed: " + run);
            assertTrue(HostRun.await(() -> jars.stream().allMatch(j -> !host.errLines(host.load().resolve(j.name()) + ": ").isEmpty()),
                    10_000), host.err());
            Thread.sleep(1_500);
            for (Jar j : jars) {
                List<String> mine = host.errLines(host.load().resolve(j.name()).toString());
                assertEquals(1, mine.size(), j.name() + ": one line, got " + mine);
                assertTrue(mine.get(0).startsWith("vocana: " + host.load().resolve(j.name()) + ": " + j.line()), mine.get(0));
                assertTrue(mine.get(0).endsWith(": refused, a bundle cannot end the host (the call threw ExitRefusedException)"),
                        mine.get(0));
            }
            assertTrue(host.process.isAlive(), "the host is alive");
            ControlClient.Response stats = host.control("stats", "ex");
            assertEquals(0, stats.status(), stats.text());
            Map<String, Long> after = host.sim("ex", "--tone", "1000:-20", "--seconds", "1");
            assertEquals(0L, after.get("exit"), "still streaming: " + after);
            assertTrue(after.get("frames_read") > 40_000, after.toString());
        }
    }
}
