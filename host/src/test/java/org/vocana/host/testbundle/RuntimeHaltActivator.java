/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for the tests of bad bundles: its start does this: {@code Runtime.getRuntime().halt(43);} */
public final class RuntimeHaltActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Runtime.getRuntime().halt(43);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
