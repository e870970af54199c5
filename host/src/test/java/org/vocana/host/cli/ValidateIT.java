/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.testeffect.AllocatingEffect;
import org.vocana.host.testeffect.HalfEffect;
import org.vocana.host.testeffect.TestBundles;

/**
 * {@code vocana validate} on real bundles: every built-in effect bundle passes the highest level;
 * a third-party effect bundle passes; one that allocates on the audio thread fails (exit 1) with
 * the check and what to fix; jars that cannot be validated get exit 2 and one line saying why.
 */
class ValidateIT {

    @TempDir
    Path dir;

    private VocanaCliIT.Result validate(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "validate";
        System.arraycopy(args, 0, all, 1, args.length);
        return VocanaCliIT.vocana(dir, all);
    }

    @Test
    void everyBuiltInEffectBundlePassesTheHighestLevel() throws Exception {
        List<Path> jars;
        try (Stream<Path> s = Files.walk(Path.of(System.getProperty("vocana.bundles")), 3)) {
            jars = s.filter(p -> p.getFileName().toString().matches("vocana-effect-.*\\.jar")
                    && p.getParent().getFileName().toString().equals("target")).sorted().toList();
        }
        assertTrue(jars.size() >= 3, "built-in effect bundles found: " + jars);
        for (Path jar : jars) {
            VocanaCliIT.Result r = validate(jar.toString(), "--level", "3");
            assertEquals(0, r.exit(), jar + ": " + r.out() + r.err());
            assertTrue(r.out().contains("1 effect(s), level 3, seed 0x5eed: all checks passed"), r.out());
        }
    }

    @Test
    void aThirdPartyEffectPassesAndAnAllocatingOneFailsWithWhatToFix() throws Exception {
        Path good = TestBundles.effectBundle(dir.resolve("half.jar"), "com.example.half", HalfEffect.class, "test-half", "");
        VocanaCliIT.Result ok = validate(good.toString(), "--json");
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("{\"level\":3,\"seed\":24301,\"passed\":true,\"effects\":[{\"id\":\"test-half\""),
                ok.out());

        Path bad = TestBundles.effectBundle(dir.resolve("alloc.jar"), "com.example.alloc", AllocatingEffect.class,
                "test-alloc", "");
        VocanaCliIT.Result r = validate(bad.toString(), "--seed", "7");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("test-alloc +allocation \\(L3\\) +FAIL +\\d+ bytes allocated by"
                + " process\\(\\) in steady state: allocate in activate\\(\\), never on the audio thread")), r.out());
        assertTrue(r.out().contains("seed 0x7: 1 check(s) failed"), r.out());
        assertTrue(validate(bad.toString(), "--level", "2").exit() == 0, "allocation is a level-3 check");
    }

    private Path jarWithManifest(String name, String... headers) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i < headers.length; i += 2) {
            m.getMainAttributes().putValue(headers[i], headers[i + 1]);
        }
        Path jar = dir.resolve(name);
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, m)) {
            j.flush();
        }
        return jar;
    }

    @Test
    void jarsThatCannotBeValidatedGetExitTwoAndOneLineSayingWhy() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.jar"), "not a jar\n");
        Path plain = jarWithManifest("plain.jar");
        Path unresolved = jarWithManifest("needs.jar", "Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "com.example.needs",
                "Import-Package", "com.example.missing,be.tarsos.dsp");
        Path noEffect = jarWithManifest("empty.jar", "Bundle-ManifestVersion", "2", "Bundle-SymbolicName", "com.example.empty");
        String[][] cases = {
            {text.toString(), "not a jar file"},
            {plain.toString(), "not an OSGi bundle (no Bundle-SymbolicName in META-INF/MANIFEST.MF)"},
            {unresolved.toString(), "unresolved imports: "},
            {noEffect.toString(), "no effect inside: the bundle registers no org.vocana.sdk.Effect service"},
            {dir.resolve("missing.jar").toString(), "no such file"},
        };
        for (String[] c : cases) {
            VocanaCliIT.Result r = validate(c[0]);
            assertEquals(2, r.exit(), c[0] + ": " + r.err());
            assertEquals(1, r.errLines().size(), "one line: " + r.err());
            assertTrue(r.err().contains(c[1]), r.err());
        }
        VocanaCliIT.Result r = validate(unresolved.toString());
        assertTrue(r.err().contains("com.example.missing (a library: embed it in the bundle") && r.err()
                .contains("be.tarsos.dsp (TarsosDSP: embed it with -conditionalpackage"), r.err());
        assertEquals(2, validate(text.toString(), "--level", "9").exit());
    }
}
