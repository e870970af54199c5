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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's package step ({@code ./vocana packages}, the first thing {@code ./vocana test}
 * does), against stand-ins for dpkg-query, apt-get and sudo placed first on PATH (this machine's
 * packages are never touched): what it installs from the one list, how it says so, sudo when not
 * root, no prompt, and the one line on a system without apt.
 */
class PackagesIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path LIST = ROOT.resolve("hal-plugin/apt-packages.txt");

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    /** The packages of a list as the launcher reads it: '#' starts a comment, blanks are ignored. */
    static List<String> packages(Path list) throws IOException {
        List<String> p = new ArrayList<>();
        for (String line : Files.readAllLines(list)) {
            String name = line.replaceAll("#.*", "").replaceAll("\\s", "");
            if (!name.isEmpty()) {
                p.add(name);
            }
        }
        return p;
    }

    private Path script(Path folder, String name, String body) throws IOException {
        Path p = folder.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /**
     * Stand-ins: dpkg-query reports the packages in {@code installed} (all with null) as installed;
     * apt-get and sudo append their arguments (and DEBIAN_FRONTEND) to log files, apt-get install
     * fails for the package name that has "no-such" in it, as apt-get does for an unknown package.
     */
    private Path fakes(String installed) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
        script(bin, "dpkg-query", "shift 2\nfor p in \"$@\"; do\n"
                + (installed == null ? "  printf 'ii %s \\n' \"$p\"\n"
                        : "  case \" " + installed + " \" in *\" $p \"*) printf 'ii %s \\n' \"$p\";; esac\n")
                + "done\n");
        script(bin, "apt-get", "echo \"$DEBIAN_FRONTEND $*\" >> " + logs.resolve("apt-get") + "\n"
                + "case \"$*\" in *no-such*) echo 'E: Unable to locate package vocana-no-such-package' >&2; exit 100;; esac\n"
                + "echo \"apt-get $1: done\"\n");
        script(bin, "sudo", "echo \"$*\" >> " + logs.resolve("sudo") + "\n"
                + "[ \"$1\" = -n ] && shift\nexec \"$@\"\n");
        return bin;
    }

    private List<String> log(String name) throws IOException {
        Path p = dir.resolve("logs").resolve(name);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private Result launcher(List<String> prefix, Map<String, String> env, String... args) throws Exception {
        return launcher(ROOT.resolve("vocana"), prefix, env, args);
    }

    private Result launcher(Path launcher, List<String> prefix, Map<String, String> env, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("CI");
        pb.environment().remove("VOCANA_APT_PACKAGES");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vocana " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("stderr"), StandardCharsets.UTF_8));
    }

    private static boolean isRoot() throws IOException {
        Path probe = Files.createTempFile("uid", ".probe");
        try {
            return ((Number) Files.getAttribute(probe, "unix:uid")).intValue() == 0;
        } finally {
            Files.delete(probe);
        }
    }

    private Path fakeList() throws IOException {
        Path list = dir.resolve("packages.txt");
        Files.writeString(list, "# installed already\nmake\n\nvocana-no-such-package   # a package no archive has\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return list;
    }

    @Test
    void withoutAptTheTestCommandNamesThePackagesInOneLineAndRunsNothing() throws Exception {
        // a PATH with what the launcher needs to get that far, and no dpkg-query, apt-get or java
        Path bin = Files.createDirectories(dir.resolve("bare"));
        Files.copy(Path.of("/usr/bin/dirname"), bin.resolve("dirname"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Result r = launcher(List.of("/bin/bash"), Map.of("PATH", bin.toString(), "JAVA_HOME", "/nonexistent"), "test");
        assertEquals(1, r.exit(), r.err());
        assertEquals("vocana: no apt-get on this system; install these packages (Debian names, from"
                + " hal-plugin/apt-packages.txt) or their equivalents, then run again: "
                + String.join(" ", packages(LIST)) + "\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void theListHasOnePackagePerLineAndWhatTheTestsNeed() throws Exception {
        List<String> p = packages(LIST);
        assertEquals(p.stream().distinct().toList(), p, "each package once");
        for (String needed : List.of("make", "gcc", "clang", "libclang-rt-dev", "libasound2-dev", "pkg-config",
                "alsa-utils", "libspeexdsp1", "espeak-ng", "sox", "git", "python3")) {
            assertTrue(p.contains(needed), needed + " is in " + LIST);
        }
        assertFalse(p.contains("pipewire-alsa"), "never pipewire-alsa: it takes over the system's ALSA default");
        for (String line : Files.readAllLines(LIST)) {
            assertTrue(line.isBlank() || line.startsWith("#") || line.matches("[a-z0-9][a-z0-9.+-]*"),
                    "one package per line, comments on their own lines: '" + line + "'");
        }
    }

    @Test
    void underCiItInstallsWhatIsMissingWithoutAQuestionAndFailsWhenAptGetFails() throws Exception {
        Path bin = fakes("make");
        Path list = fakeList();
        Result r = launcher(List.of(), Map.of("PATH", bin + ":" + System.getenv("PATH"), "CI", "true",
                "VOCANA_APT_PACKAGES", list.toString()), "packages");
        assertEquals(1, r.exit(), r.err());
        boolean root = isRoot();
        assertEquals(List.of("vocana: installing vocana-no-such-package (from " + list + ")",
                "E: Unable to locate package vocana-no-such-package",
                "vocana: apt-get install vocana-no-such-package failed (output above)"),
                r.err().lines().filter(l -> !l.startsWith("apt-get update")).toList(), r.err());
        assertTrue(r.err().contains("apt-get update: done"), r.err());
        assertEquals(List.of("noninteractive update -q", "noninteractive install -y -q --no-install-recommends"
                + " vocana-no-such-package"), log("apt-get"));
        assertEquals(root ? List.of() : List.of("-n env DEBIAN_FRONTEND=noninteractive apt-get update -q",
                "-n env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends vocana-no-such-package"),
                log("sudo"), "sudo only when not root, never prompting under CI");
    }

    /** Not root: through sudo. As root this runs as uid 65534 (setpriv) to be another user. */
    @Test
    void notAsRootItUsesSudo() throws Exception {
        Path bin = fakes("make");
        Path list = fakeList();
        List<String> prefix = isRoot()
                ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
        // the other user cannot enter the checkout (a clone in a 0700 folder): it runs a copy of the
        // launcher from a folder it may read
        Path launcher = ROOT.resolve("vocana");
        if (isRoot()) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path copy = Files.createDirectories(dir.resolve("checkout"));
            launcher = Files.copy(ROOT.resolve("vocana"), copy.resolve("vocana"));
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(list, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Result r = launcher(launcher, prefix, Map.of("PATH", bin + ":" + System.getenv("PATH"),
                "VOCANA_APT_PACKAGES", list.toString()), "packages");
        assertEquals(1, r.exit(), r.err());
        assertEquals("vocana: installing vocana-no-such-package (from " + list + ", with sudo)", r.err().lines().findFirst()
                .orElse(""), r.err());
        // no terminal: no question either
        assertEquals(List.of("env DEBIAN_FRONTEND=noninteractive apt-get update -q",
                "env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends vocana-no-such-package"),
                log("sudo"));
    }

    @Test
    void whenEverythingIsInstalledItInstallsNothing() throws Exception {
        Path bin = fakes(null);
        Result r = launcher(List.of(), Map.of("PATH", bin + ":" + System.getenv("PATH"), "CI", "true"), "packages");
        assertEquals(0, r.exit(), r.err());
        assertEquals("vocana: the system packages in hal-plugin/apt-packages.txt are installed\n", r.err());
        assertEquals(List.of(), log("apt-get"));
        assertEquals(List.of(), log("sudo"));
    }
}
