/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds bundles (good and broken ones) at test time, as bytes: manifest headers, classes, a component. */
public final class Bundles {

    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    private Bundles(String bsn) {
        headers.put("Bundle-ManifestVersion", "2");
        if (bsn != null) {
            headers.put("Bundle-SymbolicName", bsn);
        }
        headers.put("Bundle-Version", "1.0.0");
    }

    /** A bundle with this symbolic name (null: none) and version 1.0.0. */
    public static Bundles bundle(String bsn) {
        return new Bundles(bsn);
    }

    public Bundles header(String name, String value) {
        if (value == null) {
            headers.remove(name);
        } else {
            headers.put(name, value);
        }
        return this;
    }

    /** Adds a class (its own bytes, from the test classpath). */
    public Bundles add(Class<?> c) throws IOException {
        String path = c.getName().replace('.', '/') + ".class";
        try (InputStream in = c.getClassLoader().getResourceAsStream(path)) {
            entries.put(path, in.readAllBytes());
        }
        return this;
    }

    /** A bundle activator (imports org.osgi.framework). */
    public Bundles activator(Class<?> c) throws IOException {
        header("Bundle-Activator", c.getName());
        header("Import-Package", "org.osgi.framework");
        return add(c);
    }

    /** {@code effect} registered as a prototype-scope Effect service with id {@code id} (DS). */
    public Bundles effect(Class<?> effect, String id) throws IOException {
        header("Import-Package", "org.vocana.sdk;version=\"[1.0,2)\"");
        header("Service-Component", "OSGI-INF/effect.xml");
        header("Require-Capability", "osgi.extender;filter:=\"(&(osgi.extender=osgi.component)(version>=1.3)(!(version>=2.0)))\"");
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s">
                  <property name="vocana.effect.id" type="String" value="%s"/>
                  <service scope="prototype"><provide interface="org.vocana.sdk.Effect"/></service>
                  <implementation class="%s"/>
                </scr:component>
                """.formatted(effect.getSimpleName(), id, effect.getName());
        entries.put("OSGI-INF/effect.xml", xml.getBytes(StandardCharsets.UTF_8));
        return add(effect);
    }

    /** The jar's bytes. */
    public byte[] jar() throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach(a::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bytes, m)) {
            for (var e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    /** A zip archive with one text entry and no manifest. */
    public static byte[] zipWithoutManifest() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("not a bundle".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
