/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.ring.RegionException;

/**
 * One virtual device per {@link DeviceConfig} configuration: a {@link DeviceRuntime} (region,
 * audio engine, control thread). A change of the chain only is applied live (parameters) or with
 * a crossfade (effects); a change of the format re-creates the device; deleting the configuration
 * or stopping the host removes the region. Reports go to stderr, one line each.
 */
@Component(configurationPid = DeviceConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = Device.class)
public final class DeviceComponent implements Device {

    private final EffectCatalog catalog;
    private DeviceSettings settings;
    private DeviceRuntime runtime;
    private String problem;

    @Activate
    public DeviceComponent(@Reference EffectCatalog catalog, @Reference DeviceHost host, DeviceConfig config)
            throws RegionException {
        this.catalog = catalog;
        start(DeviceSettings.of(config));
    }

    private void start(DeviceSettings s) throws RegionException {
        settings = s;
        try {
            runtime = new DeviceRuntime(s, catalog, null, s.watchdogMillis(),
                    line -> System.err.println("vocana: device '" + s.id() + "': " + line));
            problem = null;
        } catch (RegionException | IllegalArgumentException e) {
            problem = e.getMessage();
            System.err.println("vocana: device '" + s.id() + "' not started: " + e.getMessage());
            throw e;
        }
        System.err.println("vocana: device '" + s.id() + "' ready: " + runtime.region().location() + " (" + s.sampleRate()
                + " Hz, " + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, chain "
                + (s.chain().isBlank() ? "empty" : s.chain()) + ")");
    }

    @Modified
    void modified(DeviceConfig c) throws RegionException {
        DeviceSettings next = DeviceSettings.of(c);
        if (runtime != null && next.sameFormat(settings)) {
            try {
                runtime.setChain(next.chain().isBlank() ? null : ChainSpec.parse(next.chain()));
                settings = next;
            } catch (IllegalArgumentException e) {
                System.err.println("vocana: device '" + next.id() + "': chain not changed: " + e.getMessage());
            }
        } else {
            stop();
            start(next);
        }
    }

    @Deactivate
    void stop() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    private DeviceRuntime running() {
        if (runtime == null) {
            throw new IllegalStateException("device '" + settings.id() + "' is not running"
                    + (problem == null ? "" : ": " + problem));
        }
        return runtime;
    }

    @Override
    public String id() {
        return settings.id();
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
        if (runtime == null) {
            return s.id() + "  not running: " + problem;
        }
        String chain = runtime.chainText();
        return s.id() + "  " + s.sampleRate() + " Hz, " + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, latency "
                + runtime.latencyFrames() + " frames, " + runtime.blocks() + " blocks, " + runtime.region().location()
                + ", chain " + (chain.isEmpty() ? "(empty)" : chain);
    }

    @Override
    public String toString() {
        return "device " + settings.id();
    }
}
