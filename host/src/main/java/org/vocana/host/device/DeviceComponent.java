/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.report.Reports;
import org.vocana.host.report.Text;
import org.vocana.host.ring.RegionException;

/**
 * One virtual device per device configuration ({@link DeviceConfig}'s keys): a {@link DeviceRuntime}
 * (region, audio engine, control thread), registered as a {@link Device} service while it runs. A
 * change of the chain only is applied live (parameters) or with a crossfade (effects); a change of
 * the format re-creates the device; deleting the configuration or stopping the host removes the
 * region.
 *
 * <p>What is not accepted is reported in one line on stderr naming the file, the key, the value
 * (shortened) and what is accepted, once ({@link Reports}): a configuration that cannot start does
 * not start, an edit that cannot be applied leaves the device running with its last good settings.
 * Ids are unique ({@link DeviceIds}): a configuration asking for an id another one holds is
 * refused without touching that device, and starts when the id becomes free.
 */
@Component(configurationPid = DeviceConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {})
public final class DeviceComponent implements Device {

    /** Starts devices whose id became free (never on the thread that freed it). */
    private static final ExecutorService RETRY = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("vocana-device-retry").unstarted(r));

    private final EffectCatalog catalog;
    private final BundleContext context;
    private final String pid;
    private String source;
    /** The settings the device runs with (its last good ones), or null while not running. */
    private volatile DeviceSettings settings;
    private volatile DeviceRuntime runtime;
    private ServiceRegistration<Device> registration;
    /** The configuration last delivered (a refused one too). */
    private Map<String, Object> latest;
    private boolean closed;

    @Activate
    public DeviceComponent(@Reference EffectCatalog catalog, @Reference DeviceHost host, BundleContext context,
                           Map<String, Object> properties) {
        this.catalog = catalog;
        this.context = context;
        this.pid = String.valueOf(properties.get("service.pid"));
        synchronized (this) {
            configure(properties);
        }
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        configure(properties);
    }

    @Deactivate
    synchronized void stop() {
        closed = true;
        DeviceIds.stopWaiting(pid);
        stopRuntime(true);
        Reports.clear(pid);
    }

    private void configure(Map<String, Object> properties) {
        latest = properties;
        source = Reports.source(properties.get("felix.fileinstall.filename"), pid);
        DeviceIds.stopWaiting(pid);
        DeviceSettings next;
        try {
            checkEncoding(properties.get("felix.fileinstall.filename"));
            next = DeviceSettings.parse(properties);
        } catch (DeviceSettings.Problem e) {
            refuse(e.getMessage());
            return;
        }
        if (runtime != null && next.id().equals(settings.id()) && next.sameFormat(settings)) {
            try {
                runtime.setChain(next.chain().isBlank() ? null : ChainSpec.parse(next.chain()));
                settings = next;
                Reports.clear(pid);
            } catch (IllegalArgumentException e) {
                refuse("chain " + Text.quote(next.chain()) + ": " + e.getMessage());
            }
            return;
        }
        DeviceIds.Holder holder = DeviceIds.claim(next.id(), pid, source, this::retry);
        if (holder != null) {
            refuse("id " + Text.quote(next.id()) + ": taken by the device of " + holder.source()
                    + " (accepted: an id no other device uses; this one starts when that id is free)");
            return;
        }
        DeviceSettings previous = settings;
        stopRuntime(false); // the id stays claimed: no waiter may take it in between
        if (previous != null && !previous.id().equals(next.id())) {
            releaseId(previous.id());
        }
        if (!start(next) && previous != null) {
            // the new settings could not start: back to the last good ones
            if (DeviceIds.claim(previous.id(), pid, source, null) == null && start(previous)) {
                if (!previous.id().equals(next.id())) {
                    releaseId(next.id());
                }
            }
        }
    }

    /** One line for a configuration that is not accepted; the device keeps running as it was, or does not start. */
    private void refuse(String problem) {
        Reports.once(pid, source + ": " + problem + (runtime != null
                ? "; device '" + settings.id() + "' keeps its last good settings"
                : "; the device is not started"));
    }

    /** Called when the id this configuration asked for became free. */
    private void retry() {
        RETRY.execute(() -> {
            synchronized (this) {
                if (!closed && runtime == null && latest != null) {
                    Reports.clear(pid);
                    configure(latest);
                }
            }
        });
    }

    private boolean start(DeviceSettings s) {
        try {
            runtime = new DeviceRuntime(s, catalog, null, s.watchdogMillis(),
                    line -> System.err.println("vocana: device '" + s.id() + "': " + line));
        } catch (RegionException | IllegalArgumentException | IllegalStateException e) {
            runtime = null;
            releaseId(s.id());
            Reports.once(pid, source + ": device '" + s.id() + "' not started: " + e.getMessage());
            return false;
        }
        settings = s;
        Reports.clear(pid);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("vocana.device.id", s.id());
        props.put("vocana.device.pid", pid);
        registration = context.registerService(Device.class, this, props);
        System.err.println("vocana: device '" + s.id() + "' ready: " + runtime.region().location() + " (" + s.sampleRate()
                + " Hz, " + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, chain "
                + (s.chain().isBlank() ? "empty" : s.chain()) + ")");
        return true;
    }

    private void stopRuntime(boolean releaseId) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework is stopping
            }
            registration = null;
        }
        if (runtime != null) {
            runtime.close();
            runtime = null;
            if (releaseId) {
                releaseId(settings.id());
            }
        }
        settings = null;
    }

    private void releaseId(String id) {
        List<Runnable> waiting = DeviceIds.release(id, pid);
        waiting.forEach(Runnable::run);
    }

    /**
     * A device file must be text: a UTF-16 file, or one holding control bytes (NUL and the like,
     * which no text file holds), reads as keys nobody wrote, so it is refused as such (judged on
     * the file's first 64 KiB).
     */
    static void checkEncoding(Object fileinstallFilename) {
        Path file = fileinstallFilename instanceof String s ? Reports.file(s) : null;
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(65_536);
        } catch (IOException e) {
            return; // what Configuration Admin delivered is checked anyway
        }
        String encoding = null;
        if (head.length >= 2 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe) {
            encoding = "UTF-16LE (byte-order mark FF FE)";
        } else if (head.length >= 2 && (head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff) {
            encoding = "UTF-16BE (byte-order mark FE FF)";
        } else {
            for (int i = 0; i < head.length && encoding == null; i++) {
                int b = head[i] & 0xff;
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' || b == 0x7f) {
                    encoding = String.format("binary (control byte 0x%02x at offset %d)", b, i);
                }
            }
        }
        if (encoding != null) {
            throw new DeviceSettings.Problem("encoding", encoding, "text in UTF-8 or ISO-8859-1, one key=value per line");
        }
    }

    /** The configuration's PID (Configuration Admin). */
    @Override
    public String pid() {
        return pid;
    }

    private DeviceRuntime running() {
        DeviceRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("device of " + source + " is not running");
        }
        return r;
    }

    @Override
    public String id() {
        DeviceSettings s = settings;
        return s == null ? "" : s.id();
    }

    @Override
    public int latencyFrames() {
        return running().latencyFrames();
    }

    @Override
    public long blocks() {
        return running().blocks();
    }

    @Override
    public String chain() {
        return running().chainText();
    }

    @Override
    public ChainSpec spec() {
        return running().spec();
    }

    @Override
    public DeviceStats stats() {
        return running().stats();
    }

    @Override
    public void enable(int index) {
        running().enable(index);
    }

    @Override
    public String describe() {
        DeviceSettings s = settings;
        DeviceRuntime r = runtime;
        if (r == null || s == null) {
            return source + "  not running";
        }
        String chain = r.chainText();
        return s.id() + "  " + s.sampleRate() + " Hz, " + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, latency "
                + r.latencyFrames() + " frames, " + r.blocks() + " blocks, " + r.region().location()
                + ", chain " + (chain.isEmpty() ? "(empty)" : chain);
    }

    @Override
    public String toString() {
        return "device " + id();
    }
}
