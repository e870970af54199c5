/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for the tests of bad bundles: its start does this: {@code throw new IllegalStateException("activator fails on purpose");} */
public final class ThrowingActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("activator fails on purpose");
    }

    @Override
    public void stop(BundleContext context) {
    }
}
