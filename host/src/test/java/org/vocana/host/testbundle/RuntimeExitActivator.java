/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for the tests of bad bundles: its start does this: {@code Runtime.getRuntime().exit(42);} */
public final class RuntimeExitActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        Runtime.getRuntime().exit(42);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
