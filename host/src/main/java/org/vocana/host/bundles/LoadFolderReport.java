/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bundles;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipException;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.LogService;
import org.osgi.util.tracker.ServiceTracker;
import org.vocana.host.guard.ExitRefusedException;
import org.vocana.host.report.Reports;
import org.vocana.host.report.Text;

/**
 * Every bundle in the watched folder that fails gets exactly one line on stderr, naming the file,
 * the manifest header (or what else is wrong), the value and what is accepted:
 * <ul>
 * <li>a {@code .jar} that is not a bundle (not a zip archive, no manifest, no
 * {@code Bundle-SymbolicName}): FileInstall would skip it silently forever; this is the
 * {@link ArtifactInstaller} that takes exactly those files and reports them;</li>
 * <li>a bundle that cannot be installed (same symbolic name and version as another), resolved
 * (an import nobody exports), started (its activator throws) or whose components fail (SCR):
 * FileInstall, the framework and SCR log that to the Log Service, where this listens; the entry is
 * turned into one line about the bundle's file.</li>
 * </ul>
 * Retries (FileInstall starts failing bundles again at every change, SCR re-activates) print
 * nothing more: one line per file until it is changed or removed ({@link Reports#first}).
 */
final class LoadFolderReport implements ArtifactInstaller, LogListener, BundleListener {

    private static final Pattern MISSING = Pattern.compile(
            "missing requirement \\[.*?\\)\\] ([a-z.]+); \\(([^=)\\s]+)=([^)\\s]+)\\)");
    private static final Pattern PATH_IN_MESSAGE = Pattern.compile("(file:)?(/[^\\s:,;]+)");

    private final BundleContext context;
    private final Path watched;
    private ServiceRegistration<ArtifactInstaller> installer;
    private ServiceTracker<LogReaderService, LogReaderService> readers;

    LoadFolderReport(BundleContext context) {
        this.context = context;
        String dir = context.getProperty("felix.fileinstall.dir");
        this.watched = Path.of(dir == null ? "load" : dir).toAbsolutePath().normalize();
    }

    void open() {
        context.addBundleListener(this);
        installer = context.registerService(ArtifactInstaller.class, this, null);
        readers = new ServiceTracker<>(context, LogReaderService.class, null) {
            @Override
            public LogReaderService addingService(ServiceReference<LogReaderService> reference) {
                LogReaderService reader = super.addingService(reference);
                reader.addLogListener(LoadFolderReport.this);
                // what was logged before this listened (the log keeps recent entries, newest first)
                java.util.List<LogEntry> earlier = new java.util.ArrayList<>();
                for (Enumeration<?> e = reader.getLog(); e.hasMoreElements(); ) {
                    earlier.add(0, (LogEntry) e.nextElement());
                }
                earlier.forEach(LoadFolderReport.this::logged);
                return reader;
            }

            @Override
            public void removedService(ServiceReference<LogReaderService> reference, LogReaderService reader) {
                reader.removeLogListener(LoadFolderReport.this);
                super.removedService(reference, reader);
            }
        };
        readers.open();
    }

    void close() {
        if (readers != null) {
            readers.close();
        }
        if (installer != null) {
            try {
                installer.unregister();
            } catch (IllegalStateException gone) {
                // stopping
            }
        }
        context.removeBundleListener(this);
    }

    private boolean inWatched(Path file) {
        return file != null && file.toAbsolutePath().normalize().startsWith(watched);
    }

    private static String subject(Path file) {
        return "bundle:" + file.toAbsolutePath().normalize();
    }

    // ---- files that are not bundles ------------------------------------------------------------

    /** The reason {@code file} (a .jar in the watched folder) is not a bundle, or null if it is one. */
    static String notABundle(File file) {
        try (JarFile jar = new JarFile(file)) {
            Manifest m = jar.getManifest();
            if (m == null) {
                return "META-INF/MANIFEST.MF is missing (accepted: an OSGi bundle, a jar whose manifest has"
                        + " Bundle-SymbolicName); the file is ignored";
            }
            String bsn = m.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null || bsn.isBlank()) {
                return "Bundle-SymbolicName is missing from its manifest (accepted: an OSGi bundle, a jar whose manifest"
                        + " has Bundle-SymbolicName); the file is ignored";
            }
            return null;
        } catch (ZipException e) {
            return "not a jar (" + Text.abbreviate(String.valueOf(e.getMessage())) + ") (accepted: an OSGi bundle,"
                    + " a jar whose manifest has Bundle-SymbolicName); the file is ignored";
        } catch (IOException | SecurityException e) {
            return "cannot be read as a jar (" + Text.abbreviate(String.valueOf(e.getMessage()))
                    + ") (accepted: an OSGi bundle, a jar whose manifest has Bundle-SymbolicName); the file is ignored";
        }
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().endsWith(".jar") && artifact.isFile() && inWatched(artifact.toPath())
                && notABundle(artifact) != null;
    }

    @Override
    public void install(File artifact) {
        String why = notABundle(artifact);
        if (why != null) {
            Reports.first(subject(artifact.toPath()), artifact.toPath().toAbsolutePath().normalize() + ": " + why);
        }
    }

    @Override
    public void update(File artifact) {
        Reports.clear(subject(artifact.toPath()));
        install(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        Reports.clear(subject(artifact.toPath()));
    }

    // ---- bundles that fail -------------------------------------------------------------------

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.UPDATED || event.getType() == BundleEvent.UNINSTALLED) {
            Path file = Reports.file(event.getBundle().getLocation());
            if (inWatched(file)) {
                Reports.clear(subject(file));
            }
        }
    }

    private static final boolean DEBUG = Boolean.getBoolean("vocana.debug.log");

    @Override
    public void logged(LogEntry entry) {
        if (DEBUG) {
            System.err.println("vocana-debug-log: " + entry.getLevel() + " " + entry.getBundle() + " " + entry.getMessage()
                    + " " + entry.getException());
        }
        if (entry.getLevel() > LogService.LOG_WARNING) {
            return;
        }
        try {
            report(entry);
        } catch (RuntimeException e) {
            // a report must never break the Log Service's delivery
        }
    }

    private void report(LogEntry entry) {
        Throwable t = entry.getException();
        Path file = null;
        Bundle bundle = entry.getBundle();
        if (bundle != null && inWatched(Reports.file(bundle.getLocation()))) {
            file = Reports.file(bundle.getLocation());
        }
        if (file == null && entry.getMessage() != null) {
            // FileInstall logs as itself, naming the file: "Failed to install artifact: /path/x.jar"
            Matcher m = PATH_IN_MESSAGE.matcher(entry.getMessage());
            while (m.find() && file == null) {
                Path p = Path.of(m.group(2));
                if (inWatched(p) && p.getFileName().toString().endsWith(".jar")) {
                    file = p;
                }
            }
        }
        if (file == null) {
            Thrown be = first(Thrown.chain(t), BundleException.class.getName());
            Bundle b = be == null ? null : bundleNamedIn(be.message());
            if (b != null && inWatched(Reports.file(b.getLocation()))) {
                file = Reports.file(b.getLocation());
            }
        }
        if (file == null) {
            if (entry.getLevel() == LogService.LOG_ERROR && bundle != null && bundle.getSymbolicName() != null
                    && bundle.getSymbolicName().startsWith("org.vocana.")) {
                // an error of the host or a built-in bundle (the framework's own output is off): one
                // line, not a stack trace; other platform bundles' errors stay in the Log Service
                String who = bundle == null ? "the host" : "bundle '" + bundle.getSymbolicName() + "'";
                java.util.List<Thrown> chain = Thrown.chain(t);
                String line = who + ": " + Text.abbreviate(String.valueOf(entry.getMessage()))
                        + (chain.isEmpty() ? "" : ": " + root(chain));
                Reports.once("error:" + line, line);
            }
            return;
        }
        Reports.first(subject(file), file.toAbsolutePath().normalize() + ": " + describe(entry, t, file));
    }

    /** The bundle a framework message names as "symbolic.name [id]", or null. */
    private Bundle bundleNamedIn(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = Pattern.compile("\\[(\\d+)\\]").matcher(message);
        return m.find() ? context.getBundle(Long.parseLong(m.group(1))) : null;
    }

    /**
     * A throwable as logged: the Log Service keeps java.* exceptions without a cause as they are
     * and wraps the others (Felix Log's LogException, whose message is "class: message"), causes
     * too; this reads either back as class name and message.
     */
    record Thrown(String className, String message) {
        static java.util.List<Thrown> chain(Throwable t) {
            java.util.List<Thrown> list = new java.util.ArrayList<>();
            for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
                String m = t.getMessage();
                if (t.getClass().getName().equals("org.apache.felix.log.LogException") && m != null && m.indexOf(": ") > 0) {
                    String rest = m.substring(m.indexOf(": ") + 2);
                    list.add(new Thrown(m.substring(0, m.indexOf(": ")), rest.equals("null") ? null : rest));
                } else {
                    list.add(new Thrown(t.getClass().getName(), m));
                }
            }
            return list;
        }

        @Override
        public String toString() {
            return className + (message == null ? "" : ": " + Text.abbreviate(message));
        }
    }

    private static Thrown first(java.util.List<Thrown> chain, String className) {
        return chain.stream().filter(x -> x.className().equals(className)).findFirst().orElse(null);
    }

    /** The innermost cause that says something (reflection wrappers say nothing). */
    private static Thrown root(java.util.List<Thrown> chain) {
        Thrown r = chain.isEmpty() ? null : chain.get(chain.size() - 1);
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (!chain.get(i).className().equals("java.lang.reflect.InvocationTargetException")) {
                return chain.get(i);
            }
        }
        return r;
    }

    private String describe(LogEntry entry, Throwable t, Path file) {
        java.util.List<Thrown> chain = Thrown.chain(t);
        Thrown exit = first(chain, ExitRefusedException.class.getName());
        Thrown be = first(chain, BundleException.class.getName());
        if (be != null) {
            String msg = String.valueOf(be.message());
            int at = chain.indexOf(be);
            Thrown cause = exit != null ? exit : at + 1 < chain.size() ? root(chain.subList(at + 1, chain.size())) : null;
            if (msg.contains("Unable to resolve") || msg.contains("missing requirement")) {
                Matcher m = MISSING.matcher(msg);
                if (m.find()) {
                    String header = switch (m.group(1)) {
                        case "osgi.wiring.package" -> "Import-Package";
                        case "osgi.wiring.bundle" -> "Require-Bundle";
                        case "osgi.wiring.host" -> "Fragment-Host";
                        default -> "Require-Capability " + m.group(1);
                    };
                    return header + " " + Text.quote(m.group(3)) + ": nothing installed provides it (accepted: what the"
                            + " host or an installed bundle provides); the bundle is not started";
                }
                return "cannot be resolved: " + Text.abbreviate(msg) + "; the bundle is not started";
            }
            if (msg.contains("Activator start error")) {
                return "Bundle-Activator " + Text.quote(header(file, "Bundle-Activator")) + ": its start method threw "
                        + (cause == null ? "an exception" : cause) + " (accepted: an activator that returns)"
                        + "; the bundle is not started";
            }
            if (msg.contains("not unique")) {
                String bsn = header(file, "Bundle-SymbolicName");
                String version = header(file, "Bundle-Version");
                String name = bsn == null ? "" : bsn.split(";")[0].strip();
                String other = "another bundle";
                for (Bundle b : context.getBundles()) {
                    if (name.equals(b.getSymbolicName())) {
                        Path f = Reports.file(b.getLocation());
                        other = inWatched(f) ? f.toString() : "the host's bundle " + b.getSymbolicName();
                    }
                }
                return "Bundle-SymbolicName " + Text.quote(bsn) + " with Bundle-Version " + Text.quote(version)
                        + ": already installed from " + other + " (accepted: a symbolic name and version no other"
                        + " bundle has); the bundle is not installed";
            }
            return "not installed or started: " + Text.abbreviate(msg) + (cause == null ? "" : ": " + cause);
        }
        String message = String.valueOf(entry.getMessage());
        Matcher component = Pattern.compile("\\[([^\\]\\s(]+)\\(\\d+\\)\\]").matcher(message);
        if (component.find()) {
            Thrown cause = exit != null ? exit : root(chain);
            String name = component.group(1);
            String what = message.substring(component.end()).replaceFirst("^\\s*:\\s*", "");
            return "component " + Text.quote(name.substring(name.lastIndexOf('.') + 1)) + " (Service-Component): "
                    + Text.abbreviate(what) + (cause == null ? "" : ": " + cause)
                    + " (accepted: a component that activates); it is not active";
        }
        return Text.abbreviate(message) + (chain.isEmpty() ? "" : ": " + root(chain));
    }

    private static String header(Path jar, String name) {
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String v = m == null ? null : m.getMainAttributes().getValue(name);
            return v == null ? null : v.strip();
        } catch (IOException e) {
            return null;
        }
    }

}
