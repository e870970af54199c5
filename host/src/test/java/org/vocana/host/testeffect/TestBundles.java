/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Packs a test effect class into a DS bundle at test time (manifest, component description, class). */
public final class TestBundles {

    private TestBundles() {
    }

    /**
     * Writes {@code jar}: bundle {@code bsn} with {@code effect} registered as a prototype-scope
     * Effect service with {@code vocana.effect.id=id}; {@code extraImports} are added to the
     * Import-Package header (e.g. a package nobody exports).
     */
    public static Path effectBundle(Path jar, String bsn, Class<?> effect, String id, String extraImports)
            throws IOException {
        return oneEffectBundle(jar, bsn, effect, id, extraImports);
    }

    /**
     * Writes {@code jar}: bundle {@code bsn} at {@code version} with one prototype-scope Effect
     * component per entry of {@code effects} (effect id to class); each class goes in with its
     * superclasses and enclosing classes from the test sources (not the SDK's).
     */
    public static Path effectsBundle(Path jar, String bsn, String version, java.util.Map<String, Class<?>> effects)
            throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", "org.vocana.sdk;version=\"[1.0,2)\"");
        java.util.List<String> xmls = new java.util.ArrayList<>();
        java.util.Set<Class<?>> classes = new java.util.LinkedHashSet<>();
        for (var e : new java.util.TreeMap<>(effects).entrySet()) {
            xmls.add("OSGI-INF/" + e.getKey() + ".xml");
            for (Class<?> c = e.getValue(); c != null && c.getName().startsWith("org.vocana.host."); c = c.getSuperclass()) {
                for (Class<?> o = c; o != null; o = o.getEnclosingClass()) {
                    classes.add(o);
                }
            }
        }
        a.putValue("Service-Component", String.join(",", xmls));
        a.putValue("Require-Capability",
                "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.3)(!(version>=2.0)))\"");
        Path tmp = jar.resolveSibling("." + jar.getFileName() + ".writing");
        try (OutputStream o = Files.newOutputStream(tmp); JarOutputStream j = new JarOutputStream(o, m)) {
            for (var e : new java.util.TreeMap<>(effects).entrySet()) {
                String xml = """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s.%s">
                          <property name="vocana.effect.id" type="String" value="%s"/>
                          <service scope="prototype"><provide interface="org.vocana.sdk.Effect"/></service>
                          <implementation class="%s"/>
                        </scr:component>
                        """.formatted(bsn, e.getKey(), e.getKey(), e.getValue().getName());
                j.putNextEntry(new JarEntry("OSGI-INF/" + e.getKey() + ".xml"));
                j.write(xml.getBytes(StandardCharsets.UTF_8));
            }
            for (Class<?> c : classes) {
                String cls = c.getName().replace('.', '/') + ".class";
                j.putNextEntry(new JarEntry(cls));
                try (InputStream in = c.getClassLoader().getResourceAsStream(cls)) {
                    in.transferTo(j);
                }
            }
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return jar;
    }

    private static Path oneEffectBundle(Path jar, String bsn, Class<?> effect, String id, String extraImports)
            throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Import-Package", "org.vocana.sdk;version=\"[1.0,2)\"" + (extraImports.isEmpty() ? "" : "," + extraImports));
        a.putValue("Service-Component", "OSGI-INF/effect.xml");
        a.putValue("Require-Capability",
                "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.3)(!(version>=2.0)))\"");
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s">
                  <property name="vocana.effect.id" type="String" value="%s"/>
                  <service scope="prototype"><provide interface="org.vocana.sdk.Effect"/></service>
                  <implementation class="%s"/>
                </scr:component>
                """.formatted(bsn, id, effect.getName());
        String cls = effect.getName().replace('.', '/') + ".class";
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, m)) {
            j.putNextEntry(new JarEntry("OSGI-INF/effect.xml"));
            j.write(xml.getBytes(StandardCharsets.UTF_8));
            j.putNextEntry(new JarEntry(cls));
            try (InputStream in = effect.getClassLoader().getResourceAsStream(cls)) {
                in.transferTo(j);
            }
        }
        return jar;
    }
}
