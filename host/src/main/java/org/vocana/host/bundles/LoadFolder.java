/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.bundles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.hooks.bundle.CollisionHook;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.log.LogService;
import org.vocana.host.report.Reports;

/**
 * Installs, updates and removes the bundles dropped into the watched folder ({@code load/}, the
 * {@code felix.fileinstall.dir}), in place of FileInstall, which the run configuration limits to
 * configuration files. Why not FileInstall: it updates a changed jar with {@code Bundle.update}
 * and then refreshes it, and the JSON provider's resource locator (hk2 osgi-resource-locator)
 * reads the entries of every UPDATED bundle from an asynchronous listener; when that read meets
 * the refresh, between Felix closing the old revision's content and giving the current revision
 * its new one, it fails with {@code NullPointerException: ... BundleRevisionImpl.getContent() is
 * null}, which Felix prints with its stack trace. Here:
 * <ul>
 *   <li>a jar is taken only once its size and time have been stable for one poll and its bytes
 *       form a complete jar (the end-of-central-directory record is there, every entry reads)
 *       with a Bundle-SymbolicName: a copy still being written, or renamed before it is complete,
 *       is left for the next poll (one without its end record for up to 5 s, then it is reported
 *       as cut short);</li>
 *   <li>an update installs the new jar side by side with the old bundle (a {@link CollisionHook}
 *       lets the same symbolic name and version in for that install) and starts it: the effect
 *       catalog moves every chain to the new code, then the old bundle is uninstalled and
 *       refreshed. No UPDATED event, so nothing reads a bundle while it is refreshed; and the
 *       old bundle is refreshed only after every asynchronous listener has seen its
 *       installation;</li>
 *   <li>a jar that is not a bundle, or does not install, resolve or start, gets one line on
 *       stderr (once per version of the file, in {@link LoadFolderReport}'s words: a failure is
 *       logged as FileInstall logs it) and the old bundle, if any, stays; a new bundle that does
 *       not start stays installed and is started again when other bundles arrive.</li>
 * </ul>
 * Bundles get FileInstall's start level ({@code felix.fileinstall.start.level}: after the
 * built-in ones) and the location {@code file:PATH#N} (N tells installs of one file apart). The
 * first scan runs once the framework has reached that start level, then every poll
 * ({@code felix.fileinstall.poll}, default 500 ms), on the thread {@code vocana-load}.
 */
@Component(service = LoadFolder.class, immediate = true)
public final class LoadFolder {

    private static final long EVENT_WAIT_MILLIS = 2_000;
    private static final long REFRESH_WAIT_MILLIS = 10_000;

    /** A file's identity and version as seen by stat. */
    record Stamp(long size, long modifiedNanos, Object fileKey) {
        static Stamp of(Path p) throws IOException {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new Stamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
        }
    }

    /** A jar without its end record is taken for one still being written, for this long. */
    private static final long INCOMPLETE_NANOS = 5_000_000_000L;

    private static final class Tracked {
        Bundle bundle;
        Stamp installed;
        Stamp seen;
        Stamp failed;
        Stamp incomplete;
        long incompleteSince;
    }

    private BundleContext context;
    private Path folder;
    private long pollMillis;
    private final Map<Path, Tracked> tracked = new HashMap<>();
    /** Asynchronous bundle events delivered to this component so far, per bundle id. */
    private final Map<Long, Integer> lastEvent = new HashMap<>();
    private volatile Bundle replacing;
    private ServiceRegistration<CollisionHook> hook;
    private BundleListener events;
    private Thread thread;
    private volatile boolean stopping;
    private long serial;
    private int startLevel;
    private boolean installedSome;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        String dir = context.getProperty("felix.fileinstall.dir");
        this.folder = Path.of(dir == null || dir.isBlank() ? "load" : dir).toAbsolutePath().normalize();
        this.pollMillis = pollMillis(context.getProperty("felix.fileinstall.poll"));
        this.startLevel = startLevel(context.getProperty("felix.fileinstall.start.level"));
        hook = context.registerService(CollisionHook.class, this::filterCollisions, null);
        events = this::seen; // asynchronous: delivered after every earlier event reached every listener
        context.addBundleListener(events);
        thread = Thread.ofPlatform().daemon().name("vocana-load").unstarted(this::loop);
        thread.start();
    }

    /** The start level of the bundles from the folder (FileInstall's setting), 0 to leave the default. */
    private static int startLevel(String v) {
        try {
            return v == null ? 0 : Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long pollMillis(String v) {
        try {
            long ms = v == null ? 500 : Long.parseLong(v.strip());
            return Math.max(50, Math.min(60_000, ms));
        } catch (NumberFormatException e) {
            return 500;
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(REFRESH_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            context.removeBundleListener(events);
            hook.unregister();
        } catch (IllegalStateException e) {
            // the framework is going away
        }
    }

    /** The folder watched. */
    public Path folder() {
        return folder;
    }

    private void loop() {
        // the first scan once the framework has reached the bundles' start level: installed while it
        // climbs, Felix starts them with the level it is at (before built-in effects of a lower one)
        FrameworkStartLevel framework = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkStartLevel.class);
        while (!stopping && framework.getStartLevel() < Math.max(1, startLevel)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
        boolean first = true;
        while (!stopping) {
            try {
                if (!first) {
                    Thread.sleep(pollMillis);
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                boolean initial = first;
                first = false;
                scan(initial);
            } catch (RuntimeException e) {
                if (!stopping) {
                    System.err.println("vocana: " + folder + ": scan failed: " + e);
                }
            }
        }
    }

    private void filterCollisions(int operation, Bundle target, Collection<Bundle> candidates) {
        Bundle old = replacing;
        if (old != null && operation == CollisionHook.INSTALLING) {
            candidates.remove(old); // the update of the same file, installed beside it for a moment
        }
    }

    private void seen(BundleEvent event) {
        synchronized (lastEvent) {
            lastEvent.merge(event.getBundle().getBundleId(), 1, Integer::sum);
            lastEvent.notifyAll();
        }
    }

    /**
     * Waits until this component's asynchronous listener has received {@code events} events of
     * {@code bundle}. Felix delivers an asynchronous event to every listener before the next one:
     * once the event after INSTALLED (RESOLVED, STARTED) arrives here, every listener is done with
     * INSTALLED.
     */
    private void awaitListeners(Bundle bundle, int events) {
        long end = System.nanoTime() + EVENT_WAIT_MILLIS * 1_000_000;
        synchronized (lastEvent) {
            while (true) {
                Integer last = lastEvent.get(bundle.getBundleId());
                if (last != null && last >= events) {
                    return;
                }
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return;
                }
                try {
                    lastEvent.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One pass over the folder. Thread: the activating thread once, then vocana-load. */
    synchronized void scan(boolean initial) {
        Set<Path> present = new HashSet<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.{jar,JAR}")) {
                for (Path p : files) {
                    if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        present.add(p);
                    }
                }
            } catch (IOException e) {
                return; // the folder is being changed or went away: next poll
            }
        }
        for (Path p : present) {
            Stamp now;
            try {
                now = Stamp.of(p);
            } catch (IOException e) {
                continue;
            }
            Tracked t = tracked.computeIfAbsent(p, k -> new Tracked());
            if (now.equals(t.installed) || now.equals(t.failed)) {
                t.seen = now;
                continue;
            }
            if (!initial && !now.equals(t.seen)) {
                t.seen = now; // changed since the last poll: take it once it stays as it is for one poll
                continue;
            }
            t.seen = now;
            Reports.clear("bundle:" + p); // a new version of the file: its problems, if any, are reported again
            take(p, t, now);
        }
        for (Path p : new ArrayList<>(tracked.keySet())) {
            if (!present.contains(p)) {
                Tracked t = tracked.remove(p);
                Reports.clear("bundle:" + p);
                if (t.bundle != null) {
                    remove(t.bundle);
                }
            }
        }
        if (installedSome) {
            installedSome = false;
            for (Tracked t : tracked.values()) { // bundles that did not start may now (what they import arrived)
                if (t.bundle != null && t.failed != null && t.bundle.getState() == Bundle.RESOLVED
                        || t.bundle != null && t.failed != null && t.bundle.getState() == Bundle.INSTALLED) {
                    try {
                        t.bundle.start();
                        t.failed = null;
                    } catch (BundleException | IllegalStateException e) {
                        // still failing: reported once already
                    }
                }
            }
        }
    }

    private void take(Path p, Tracked t, Stamp stamp) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(p);
            if (bytes.length != stamp.size() || !Stamp.of(p).equals(stamp)) {
                t.seen = null; // written while read: next poll
                return;
            }
        } catch (IOException e) {
            t.seen = null;
            return;
        }
        if (!hasEndRecord(bytes) && bytes.length > 0) {
            // still being written (a copy in progress, or a writer that paused): wait, quietly, for a while
            long now = System.nanoTime();
            if (!stamp.equals(t.incomplete)) {
                t.incomplete = stamp;
                t.incompleteSince = now;
                return;
            }
            if (now - t.incompleteSince < INCOMPLETE_NANOS) {
                return;
            }
        }
        t.incomplete = null;
        Manifest manifest;
        try {
            manifest = checkJar(bytes);
        } catch (IOException e) {
            notABundle(t, stamp, p);
            return;
        }
        String bsn = manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
        if (bsn == null || bsn.isBlank()) {
            notABundle(t, stamp, p);
            return;
        }
        boolean fragment = manifest.getMainAttributes().getValue(Constants.FRAGMENT_HOST) != null;
        Bundle old = t.bundle;
        Bundle fresh;
        replacing = old;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            fresh = context.installBundle(p.toUri() + "#" + ++serial, in);
        } catch (BundleException | IOException | IllegalStateException | SecurityException e) {
            t.failed = stamp;
            // FileInstall's words, which LoadFolderReport turns into one line about the file
            problem(LogService.LOG_ERROR, "Failed to install artifact: " + p, e, p);
            return;
        } finally {
            replacing = null;
        }
        if (startLevel > 0) {
            fresh.adapt(BundleStartLevel.class).setStartLevel(startLevel);
        }
        if (!fragment) {
            try {
                fresh.start();
            } catch (BundleException | IllegalStateException e) {
                t.failed = stamp;
                problem(LogService.LOG_WARNING, "Error while starting bundle: " + p, e, p);
                if (old != null) {
                    remove(fresh); // an update that does not start: the installed version stays
                    return;
                }
                // a new bundle stays installed: it is started again when other bundles arrive (an import they provide)
                t.bundle = fresh;
                t.installed = stamp;
                return;
            }
        }
        if (old != null && fresh.getState() == Bundle.ACTIVE) {
            awaitListeners(fresh, 2); // every asynchronous listener is done with its INSTALLED event before a refresh
        }
        t.bundle = fresh;
        t.installed = stamp;
        t.failed = null;
        installedSome = true;
        if (old != null) {
            remove(old);
        }
    }

    /** A jar that is not a bundle: one line, in LoadFolderReport's words; the installed version (if any) stays. */
    private void notABundle(Tracked t, Stamp stamp, Path p) {
        t.failed = stamp;
        String why = LoadFolderReport.notABundle(p.toFile());
        Reports.first("bundle:" + p, p + ": " + (why != null ? why : "not a complete jar (cut short?) (accepted: an OSGi"
                + " bundle, a jar whose manifest has Bundle-SymbolicName); the file is ignored"));
    }

    /**
     * A bundle that cannot be installed or started: logged as FileInstall logs it (naming the
     * file), for {@link LoadFolderReport} to report in one line; without a Log Service, one line here.
     */
    private void problem(int level, String message, Throwable e, Path file) {
        ServiceReference<LogService> ref = context.getServiceReference(LogService.class);
        LogService log = ref == null ? null : context.getService(ref);
        if (log != null) {
            try {
                log.log(level, message, e);
                return;
            } finally {
                context.ungetService(ref);
            }
        }
        Reports.first("bundle:" + file, file + ": " + oneLine(e));
    }

    /** Uninstalls {@code bundle} and refreshes it away (waits for the refresh, bounded). */
    private void remove(Bundle bundle) {
        try {
            bundle.uninstall();
        } catch (BundleException | IllegalStateException e) {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                System.err.println("vocana: " + bundle.getSymbolicName() + " " + bundle.getVersion() + " not uninstalled: "
                        + oneLine(e));
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        try {
            context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class)
                    .refreshBundles(List.of(bundle), e -> done.countDown());
            done.await(REFRESH_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException e) {
            // the framework is stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Checks that {@code bytes} are a complete jar with a manifest: the end-of-central-directory
     * record is at the end (a copy cut short has none) and every entry reads to its end.
     */
    static Manifest checkJar(byte[] bytes) throws IOException {
        if (!hasEndRecord(bytes)) {
            throw new IOException(bytes.length == 0 ? "the file is empty" : "not a complete jar (no zip end record: not a jar,"
                    + " or cut short)");
        }
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(bytes), false)) {
            byte[] buf = new byte[8192];
            for (ZipEntry e; (e = jar.getNextEntry()) != null; ) {
                while (jar.read(buf) >= 0) {
                    // read every entry to its end: a damaged one throws
                }
            }
            Manifest m = jar.getManifest();
            if (m == null) {
                throw new IOException("the jar has no META-INF/MANIFEST.MF (first or second entry)");
            }
            return m;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith("the jar has no")) {
                throw io;
            }
            throw new IOException("not a readable jar (" + e.getMessage() + ")");
        }
    }

    /** True if the zip end-of-central-directory signature is where it must be (within the last 64 KiB + 22 bytes). */
    static boolean hasEndRecord(byte[] b) {
        int min = Math.max(0, b.length - 22 - 65_535);
        for (int i = b.length - 22; i >= min; i--) {
            if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 0x05 && b[i + 3] == 0x06) {
                int commentLength = (b[i + 20] & 0xff) | (b[i + 21] & 0xff) << 8;
                if (i + 22 + commentLength == b.length) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m = m + ": " + c.getMessage();
        }
        m = m.replaceAll("\\s+", " ").strip();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }
}
