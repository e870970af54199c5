/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The third-party example {@code sdk/examples/tremolo}, built the way an author builds it: with its
 * own pom, against the SDK and test kit as published to a Maven repository (here a file
 * repository this test deploys them to), its own kit test included; then {@code vocana validate}
 * passes it, and dropped into a running host's {@code load/} it can be put in a device's chain.
 */
class ExampleEffectIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Process host;

    @AfterEach
    void stopHost() throws InterruptedException {
        if (host != null && host.isAlive()) {
            host.destroy();
            host.waitFor(10, TimeUnit.SECONDS);
            host.destroyForcibly();
        }
    }

    private String mvn(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-q", "--no-transfer-progress"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "mvn " + String.join(" ", args));
        assertEquals(0, p.exitValue(), "mvn " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    private void publish(Path repo, String file, String pom) throws IOException, InterruptedException {
        mvn("org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file", "-Dfile=" + ROOT.resolve(file),
                "-DpomFile=" + ROOT.resolve(pom), "-Durl=" + repo.toUri(), "-DrepositoryId=example-local");
    }

    @Test
    void theExampleBuildsAgainstThePublishedSdkPassesValidateAndHotLoads() throws Exception {
        String version = System.getProperty("vocana.version");
        Path repo = dir.resolve("repo");
        publish(repo, "pom.xml", "pom.xml");
        publish(repo, "sdk/target/vocana-sdk-" + version + ".jar", "sdk/pom.xml");
        publish(repo, "sdk/testkit/target/vocana-sdk-testkit-" + version + ".jar", "sdk/testkit/pom.xml");

        Path project = dir.resolve("tremolo");
        copyTree(ROOT.resolve("sdk/examples/tremolo"), project);
        mvn("-f", project.resolve("pom.xml").toString(), "-Dvocana.repo=" + repo.toUri(), "-Dvocana.version=" + version,
                "verify");
        Path jar = project.resolve("target/tremolo-1.0.0.jar");
        assertTrue(Files.exists(jar), "the example's bundle");
        assertTrue(Files.exists(project.resolve("target/surefire-reports/TEST-com.example.tremolo.TremoloTest.xml")),
                "its own tests ran, the kit's included");

        VocanaCliIT.Result v = VocanaCliIT.vocana(dir, "validate", jar.toString());
        assertEquals(0, v.exit(), v.out() + v.err());
        assertTrue(v.out().contains("1 effect(s), level 3, seed 0x5eed: all checks passed"), v.out());

        // hot-load into a running host and use it
        Path load = Files.createDirectories(dir.resolve("load"));
        Files.createDirectories(dir.resolve("xdg"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("vocana.java", "java"), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + load,
                "-jar", System.getProperty("vocana.jar"), "run").directory(dir.toFile())
                .redirectOutput(dir.resolve("host.out").toFile()).redirectError(dir.resolve("host.err").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        host = pb.start();
        long end = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < end && !Files.exists(dir.resolve("xdg/vocana/control.sock"))) {
            Thread.sleep(50);
        }
        Files.copy(jar, dir.resolve("tremolo.tmp"));
        Files.move(dir.resolve("tremolo.tmp"), load.resolve("tremolo.jar"), StandardCopyOption.ATOMIC_MOVE);
        String[] inserted = null;
        end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            inserted = cli("insert", "vocana", "end", "tremolo:rateHz=6");
            if (inserted[0].equals("0")) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals("0", inserted[0], "the running host took the dropped effect: " + inserted[1]
                + Files.readString(dir.resolve("host.err")));
        assertEquals("vocana: inserted tremolo:rateHz=6 at position 1; chain tremolo:rateHz=6", inserted[1]);
    }

    private String[] cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("vocana.java", "java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dgosh.args=--nointeractive", "-Dfelix.fileinstall.dir=" + dir.resolve("cli-load"),
                "-jar", System.getProperty("vocana.jar")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("xdg").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.filter(x -> !x.toString().contains("/target")).toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
