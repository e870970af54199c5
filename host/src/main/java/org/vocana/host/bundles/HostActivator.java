/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bundles;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.bundle.FindHook;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.vocana.host.guard.ExitGuard;

/**
 * The host bundle's activator. It starts at start level 1, before FileInstall installs anything
 * from the watched folder: it registers the {@link ExitWeaver} (the bundles present now, the host's
 * own, are left as they are), a find hook that keeps FileInstall from replacing bundles it did
 * not install, and the {@link LoadFolderReport}.
 */
public final class HostActivator implements BundleActivator {

    private ServiceRegistration<WeavingHook> weaving;
    private ServiceRegistration<FindHook> find;
    private LoadFolderReport report;

    @Override
    public void start(BundleContext context) {
        Set<Long> present = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            present.add(b.getBundleId());
        }
        ExitGuard.startReporter();
        weaving = context.registerService(WeavingHook.class, new ExitWeaver(present), null);
        find = context.registerService(FindHook.class, HostActivator::hideBundlesFromFileInstall, null);
        report = new LoadFolderReport(context);
        report.open();
    }

    /**
     * FileInstall, given a jar whose symbolic name and version an installed bundle already has,
     * updates that bundle with it: a jar in load/ could replace a built-in effect (or another
     * jar's bundle) under its feet. Its {@code getBundles()} therefore sees only the system bundle,
     * so it installs the jar instead and the framework refuses the duplicate, which is reported.
     * Its {@code getBundle(id)} of the bundles it installed is untouched (updates and removals of
     * its own files work as before). What it no longer sees: the bundles it would refresh because a
     * new one could satisfy their optional imports or host their fragments (nothing built-in has
     * either), and its managed bundles of a previous run (the cache is cleaned at every start).
     */
    static void hideBundlesFromFileInstall(BundleContext finder, Collection<Bundle> bundles) {
        if (bundles.size() > 1 && "org.apache.felix.fileinstall".equals(finder.getBundle().getSymbolicName())) {
            bundles.removeIf(b -> b.getBundleId() != 0);
        }
    }

    @Override
    public void stop(BundleContext context) {
        if (report != null) {
            report.close();
        }
        if (find != null) {
            find.unregister();
        }
        if (weaving != null) {
            weaving.unregister();
        }
        ExitGuard.stopReporter();
    }
}
