/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import org.vocana.host.control.ControlClient;
import org.vocana.host.control.ControlProtocol;
import org.vocana.host.device.DeviceHost;
import org.vocana.host.ring.RegionException;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.effects.EffectCatalog;

/**
 * Runs the command line given to the executable jar. The bnd launcher publishes the arguments
 * as the {@code launcher.arguments} property of its service and runs a {@code Callable} marked
 * {@code main.thread=true} on the main thread, exiting with its result.
 */
@Component(immediate = true)
public final class CommandLineRunner {

    private ServiceRegistration<?> registration;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private Thread shutdownHook;

    @Reference(service = Object.class, target = "(launcher.arguments=*)")
    private Map<String, Object> launcher;

    @Reference
    private EffectCatalog catalog;

    @Reference
    private ConfigurationAdmin configurationAdmin;

    @Activate
    void activate(BundleContext context) {
        String[] args = (String[]) launcher.get("launcher.arguments");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("main.thread", Boolean.TRUE);
        String version = context.getBundle().getVersion().toString();
        registration = context.registerService(Callable.class,
                new Main(args, catalog, configurationAdmin, version, stopping, context), props);
        // Ctrl-C or SIGTERM: stop the framework in order, so devices withdraw and remove their regions
        Framework framework = (Framework) context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        shutdownHook = Thread.ofPlatform().name("vocana-shutdown").unstarted(() -> {
            try {
                framework.stop();
                framework.waitForStop(5_000);
            } catch (BundleException | InterruptedException e) {
                // exiting anyway
            }
        });
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    @Deactivate
    void deactivate() {
        stopping.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stops us
        }
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework is stopping
        }
    }

    /** The main-thread task; a named class because the launcher checks that call() returns Integer. */
    static final class Main implements Callable<Integer> {
        private final String[] args;
        private final EffectCatalog catalog;
        private final ConfigurationAdmin configurationAdmin;
        private final String version;
        private final CountDownLatch stopping;
        private final BundleContext context;

        Main(String[] args, EffectCatalog catalog, ConfigurationAdmin configurationAdmin, String version,
             CountDownLatch stopping, BundleContext context) {
            this.args = args.clone();
            this.catalog = catalog;
            this.configurationAdmin = configurationAdmin;
            this.version = version;
            this.stopping = stopping;
            this.context = context;
        }

        /**
         * {@code run} and {@code shell} host devices: unless another host answers on the control
         * socket, registers the {@link DeviceHost} marker that lets devices start. Returns an exit
         * code to stop with, or -1 to go on.
         */
        private int becomeDeviceHost() {
            boolean hosting = args.length > 0 && ("run".equals(args[0]) || "shell".equals(args[0]))
                    && !java.util.Arrays.asList(args).contains("--help") && !java.util.Arrays.asList(args).contains("-h");
            if (!hosting) {
                return -1;
            }
            try {
                java.nio.file.Path socket = ControlProtocol.socketPath();
                if (ControlClient.answers(socket)) {
                    System.err.println("vocana " + args[0] + ": another Vocana host is running (it answers on " + socket
                            + "); stop it first, or control it with './vocana devices', './vocana chain ...'");
                    return 1;
                }
            } catch (RegionException e) {
                System.err.println("vocana " + args[0] + ": " + e.getMessage());
                return 1;
            }
            context.registerService(DeviceHost.class, new DeviceHost() { }, null);
            return -1;
        }

        /**
         * The host bundle starts at start level 1, before the built-in effects: a command runs once
         * the framework has reached its beginning start level and started what is there (else
         * {@code effects} lists half of them). At most 10 s.
         */
        private void awaitBeginningStartLevel() {
            String begin = context.getProperty("org.osgi.framework.startlevel.beginning");
            int target = begin == null ? 1 : Integer.parseInt(begin.strip());
            FrameworkStartLevel fsl = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkStartLevel.class);
            long end = System.nanoTime() + 10_000_000_000L;
            try {
                while (fsl.getStartLevel() < target && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
                // then the bundles of those levels started (never a start-level request of ours:
                // one queued behind the launcher's would take the framework back down); a bundle
                // that cannot start is waited for 2 s at most
                long started = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < started && !startedUpTo(target)) {
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean startedUpTo(int level) {
            for (org.osgi.framework.Bundle b : context.getBundles()) {
                org.osgi.framework.startlevel.BundleStartLevel bsl = b.adapt(org.osgi.framework.startlevel.BundleStartLevel.class);
                if (bsl != null && bsl.getStartLevel() <= level && bsl.isPersistentlyStarted()
                        && b.getState() != org.osgi.framework.Bundle.ACTIVE && b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Integer call() {
            int code;
            awaitBeginningStartLevel();
            int refused = becomeDeviceHost();
            if (refused >= 0) {
                return refused;
            }
            try {
                code = VocanaCommand.run(args, catalog, configurationAdmin, version, stopping, context, System.out, System.err);
            } catch (LinkageError e) {
                if (stopping.getCount() > 0) {
                    throw e;
                }
                // the framework stopped under us (e.g. 'vocana shell' with no input): bundles are gone
                boolean shell = args.length > 0 && "shell".equals(args[0]);
                if (!shell) {
                    System.err.println("vocana: the host stopped before the command could run");
                }
                code = shell ? 0 : VocanaCommand.EXIT_INTERNAL;
            }
            System.out.flush();
            System.err.flush();
            return code;
        }
    }
}
