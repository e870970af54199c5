/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle activator for the tests of bad bundles: its start does this: {@code java.util.function.IntConsumer exit = System::exit; exit.accept(44);} */
public final class MethodRefExitActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        java.util.function.IntConsumer exit = System::exit; exit.accept(44);
    }

    @Override
    public void stop(BundleContext context) {
    }
}
