/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for the tests of bad bundles: its start does this: {@code System.exit(41);} */
public final class SystemExitActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        System.exit(41);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
