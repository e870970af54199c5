/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bundles;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassHierarchyResolver;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleActivator;
import org.vocana.host.guard.ExitRefusedException;
import org.vocana.host.testbundle.MethodRefExitActivator;
import org.vocana.host.testbundle.RuntimeExitActivator;
import org.vocana.host.testbundle.RuntimeHaltActivator;
import org.vocana.host.testbundle.SystemExitActivator;
import org.vocana.host.testbundle.ThrowingActivator;

/**
 * The rewrite of exit calls, on the test bundles' classes loaded outside OSGi: each call of
 * System.exit, Runtime.exit, Runtime.halt (and a method reference to System::exit) throws
 * ExitRefusedException instead of ending this JVM; a class without them is left as it is.
 */
class ExitWeaverTest {

    private static byte[] bytes(Class<?> c) throws IOException {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Defines the rewritten class itself (its other classes come from the test class path). */
    private static final class Woven extends ClassLoader {
        Woven() {
            super(ExitWeaverTest.class.getClassLoader());
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    private static BundleActivator woven(Class<?> c) throws Exception {
        byte[] original = bytes(c);
        assertTrue(ExitWeaver.mentionsExit(original), c.getSimpleName());
        byte[] rewritten = ExitWeaver.rewrite(original,
                ClassHierarchyResolver.ofResourceParsing(ExitWeaverTest.class.getClassLoader()).orElse(ClassHierarchyResolver.defaultResolver()));
        assertNotNull(rewritten, c.getSimpleName() + " has an exit call to rewrite");
        return (BundleActivator) new Woven().define(c.getName(), rewritten).getDeclaredConstructor().newInstance();
    }

    @Test
    void everyExitCallThrowsInstead() throws Exception {
        String[][] expected = {
            {SystemExitActivator.class.getName(), "System.exit(41) called by code outside any bundle in "
                    + SystemExitActivator.class.getName() + ".start: refused, a bundle cannot end the Vocana host"},
            {RuntimeExitActivator.class.getName(), "Runtime.exit(42) called by code outside any bundle in "
                    + RuntimeExitActivator.class.getName() + ".start"},
            {RuntimeHaltActivator.class.getName(), "Runtime.halt(43) called by code outside any bundle in "
                    + RuntimeHaltActivator.class.getName() + ".start"},
            {MethodRefExitActivator.class.getName(), "System.exit(44) called by code outside any bundle in "},
        };
        Class<?>[] classes = {SystemExitActivator.class, RuntimeExitActivator.class, RuntimeHaltActivator.class,
            MethodRefExitActivator.class};
        for (int i = 0; i < classes.length; i++) {
            BundleActivator a = woven(classes[i]);
            ExitRefusedException e = assertThrows(ExitRefusedException.class, () -> a.start(null), expected[i][0]);
            assertTrue(e.getMessage().startsWith(expected[i][1]), e.getMessage());
            assertTrue(e instanceof SecurityException);
        }
    }

    @Test
    void aClassWithoutExitCallsIsLeftAlone() throws Exception {
        byte[] b = bytes(ThrowingActivator.class);
        assertFalse(ExitWeaver.mentionsExit(b));
        byte[] self = bytes(ExitWeaverTest.class); // names exit methods only in strings: parsed, nothing to change
        assertNull(ExitWeaver.rewrite(self, ClassHierarchyResolver.ofResourceParsing(ExitWeaverTest.class.getClassLoader())
                .orElse(ClassHierarchyResolver.defaultResolver())));
    }
}
