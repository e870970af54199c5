/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.engine.Chain;
import org.vocana.host.engine.ChainPlayer;
import org.vocana.host.engine.DeviceEngine;
import org.vocana.host.engine.FaultLog;
import org.vocana.host.engine.FaultPolicy;
import org.vocana.host.ring.DeviceRegion;
import org.vocana.host.ring.RegionException;

/**
 * One virtual device per {@link DeviceConfig} configuration: creates the device's shared-memory
 * region (a new generation each time), runs its {@link DeviceEngine}, swaps its chain when only
 * the chain changes, re-creates everything when the format changes, and removes the region when
 * the configuration is deleted or the host stops.
 */
@Component(configurationPid = DeviceConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = Device.class)
public final class DeviceComponent implements Device {

    private final EffectCatalog catalog;
    private DeviceConfig config;
    private DeviceRegion region;
    private ChainPlayer player;
    private DeviceEngine engine;
    private FaultLog faults;
    private ScheduledExecutorService control;

    @Activate
    public DeviceComponent(@Reference EffectCatalog catalog, DeviceConfig config) throws RegionException {
        this.catalog = catalog;
        try {
            start(config);
        } catch (RegionException | IllegalArgumentException e) {
            System.err.println("vocana: device not started: " + e.getMessage());
            stop();
            throw e;
        }
    }

    private void start(DeviceConfig c) throws RegionException {
        DeviceSettings s = DeviceSettings.of(c);
        region = DeviceRegion.create(s.id(), s.name(), s.sampleRate(), s.channels(), s.ioFrames());
        player = new ChainPlayer(s.channels(), s.ioFrames(), s.fadeFrames());
        faults = new FaultLog(256);
        submitChain(s);
        engine = new DeviceEngine(region, player, s.ioFrames());
        control = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("vocana-control-" + s.id()).unstarted(r));
        control.scheduleWithFixedDelay(this::housekeeping, 50, 50, TimeUnit.MILLISECONDS);
        config = c;
        System.err.println("vocana: device '" + s.id() + "' ready: " + region.file() + " (" + s.sampleRate() + " Hz, "
                + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, chain "
                + (s.chain().isBlank() ? "empty" : s.chain()) + ")");
    }

    private void submitChain(DeviceSettings s) {
        if (s.chain().isBlank()) {
            player.submit(null);
            return;
        }
        try {
            ChainResolver resolver = new ChainResolver(catalog);
            Chain chain = Chain.activate(resolver.instantiate(ChainSpec.parse(s.chain())), s.sampleRate(), s.ioFrames(),
                    s.channels(), FaultPolicy.realTime(s.sampleRate(), s.ioFrames(), 0.5), faults);
            player.submit(chain);
        } catch (IllegalArgumentException e) {
            System.err.println("vocana: device '" + s.id() + "': chain not changed: " + e.getMessage());
        }
    }

    /** Control-thread chores: close retired chains, publish the chain's latency, report faults. */
    private void housekeeping() {
        player.collectRetired();
        int latency = player.latencyFrames();
        if (latency != region.publishedLatency()) {
            region.publishLatency(latency);
        }
        faults.drain(f -> System.err.println("vocana: device '" + region.deviceId() + "': effect '" + f.effectId()
                + "' (position " + (f.slot() + 1) + ") " + f.reason() + ", fault " + f.count()
                + (f.disabled() ? "; disabled until re-enabled" : "; bypassed for a while")));
    }

    @Modified
    void modified(DeviceConfig c) throws RegionException {
        DeviceSettings next = DeviceSettings.of(c);
        DeviceSettings current = DeviceSettings.of(config);
        if (next.sameFormat(current)) {
            submitChain(next);
            config = c;
        } else {
            stop();
            start(c);
        }
    }

    @Deactivate
    void stop() {
        if (control != null) {
            control.shutdownNow();
        }
        if (engine != null) {
            engine.close();
        }
        if (player != null) {
            player.close();
        }
        if (region != null) {
            region.close();
        }
    }

    @Override
    public String id() {
        return region.deviceId();
    }

    @Override
    public int latencyFrames() {
        return player.latencyFrames();
    }

    @Override
    public long blocks() {
        return engine.blocks();
    }

    @Override
    public String chain() {
        return DeviceSettings.of(config).chain();
    }

    @Override
    public String describe() {
        DeviceSettings s = DeviceSettings.of(config);
        return s.id() + "  " + s.sampleRate() + " Hz, " + s.channels() + " ch, " + s.ioFrames() + "-frame blocks, latency "
                + player.latencyFrames() + " frames, " + engine.blocks() + " blocks, " + region.file() + ", chain "
                + (s.chain().isEmpty() ? "(empty)" : s.chain());
    }

    @Override
    public String toString() {
        return Objects.toString(region);
    }
}
