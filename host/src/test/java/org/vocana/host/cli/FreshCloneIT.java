/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A newcomer's path: a fresh clone of this repository at HEAD (no {@code hal-plugin/build}, no
 * {@code host/target}) where {@code ./vocana demo --offline} and then the real-time
 * {@code ./vocana demo} are the only commands. The first builds the jar, the second the C tools
 * it runs; both succeed and print the paths of their results. Maven's local repository
 * ({@code ~/.m2}) is shared with this build, so nothing is downloaded.
 */
class FreshCloneIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Result(int exit, String out, String err, double seconds) {
    }

    private Result run(Path cwd, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // the environment of a user's shell: this build's Maven settings do not leak into the clone's
        pb.environment().keySet().removeIf(k -> k.startsWith("MAVEN_") || k.startsWith("VOCANA_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        long start = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 300 s: "
                    + Files.readString(dir.resolve("stderr")));
        }
        Result r = new Result(p.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8), (System.nanoTime() - start) / 1e9);
        System.out.printf("fresh clone: %s took %.1f s%n", String.join(" ", cmd), r.seconds());
        return r;
    }

    @Test
    void demoOfflineThenTheRealTimeDemoWorkOnAFreshClone() throws Exception {
        Path clone = dir.resolve("vocana");
        Result git = run(dir, "git", "clone", "--quiet", ROOT.toString(), clone.toString());
        assertEquals(0, git.exit(), git.err());
        assertFalse(Files.exists(clone.resolve("hal-plugin/build")), "a fresh clone has no C build");
        assertFalse(Files.exists(clone.resolve("host/target")), "a fresh clone has no jar");
        Path input = clone.resolve("out/demo/noisy-speech.wav");
        Path result = clone.resolve("out/demo/noisy-speech.processed.wav");

        Result offline = run(clone, "./vocana", "demo", "--offline");
        assertEquals(0, offline.exit(), offline.err());
        assertTrue(offline.err().contains("vocana: building the host"), offline.err());
        assertTrue(offline.out().contains(input.toString()), offline.out());
        assertTrue(offline.out().contains(result.toString()), offline.out());
        assertTrue(Files.size(result) > 100_000, "the offline result");
        assertFalse(Files.exists(clone.resolve("hal-plugin/build")), "--offline runs no C tool, so builds none");

        Files.delete(result);
        Result live = run(clone, "./vocana", "demo");
        assertEquals(0, live.exit(), live.err());
        assertTrue(live.err().contains("vocana: building the C tools"), live.err());
        assertFalse(live.err().contains("vocana: building the host"), "the jar is up to date: " + live.err());
        assertTrue(Files.isExecutable(clone.resolve("hal-plugin/build/vocana-sim")), "the simulator was built");
        List<String> lines = live.out().lines().toList();
        assertEquals("  " + input, lines.get(lines.size() - 2), live.out());
        assertEquals("  " + result, lines.get(lines.size() - 1), live.out());
        assertTrue(Files.size(result) > 100_000, "the real-time result");
    }
}
