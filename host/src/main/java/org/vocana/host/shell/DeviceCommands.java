/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.shell;

import java.io.IOException;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.device.Device;
import org.vocana.host.device.DeviceConfig;
import org.vocana.host.effects.EffectCatalog;

/**
 * Gogo commands: {@code vocana:devices} lists the running devices; {@code vocana:chain ID} shows a
 * device's chain and {@code vocana:chain ID SPEC} changes it. A change goes through the device's
 * configuration (one mechanism for files, shell and CLI); it lasts until the host restarts unless
 * the device's file in the watched folder is edited too.
 */
@Component(service = DeviceCommands.class, property = {"osgi.command.scope=vocana",
    "osgi.command.function=devices", "osgi.command.function=chain"})
public final class DeviceCommands {

    private final ConfigurationAdmin configurationAdmin;
    private final EffectCatalog catalog;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    @org.osgi.service.component.annotations.Activate
    public DeviceCommands(@Reference ConfigurationAdmin configurationAdmin, @Reference EffectCatalog catalog) {
        this.configurationAdmin = configurationAdmin;
        this.catalog = catalog;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addDevice(Device device) {
        devices.add(device);
    }

    void removeDevice(Device device) {
        devices.remove(device);
    }

    /** {@code vocana:devices}: one line per running device. */
    public String devices() {
        if (devices.isEmpty()) {
            return "no devices are running";
        }
        return devices.stream().sorted(Comparator.comparing(Device::id)).map(Device::describe)
                .collect(Collectors.joining("\n"));
    }

    /** {@code vocana:chain ID}: the device's chain spec. */
    public String chain(String id) {
        String chain = device(id).chain();
        return chain.isEmpty() ? "(empty: audio passes through)" : chain;
    }

    /** {@code vocana:chain ID SPEC}: checks the spec against the installed effects and applies it. */
    public String chain(String id, String spec) throws IOException, InvalidSyntaxException {
        device(id);
        String canonical = "none".equals(spec) ? "" : ChainSpec.parse(spec).toString();
        if (!canonical.isEmpty()) {
            new ChainResolver(catalog).check(ChainSpec.parse(canonical));
        }
        Configuration c = configuration(id);
        Dictionary<String, Object> props = c.getProperties();
        props.put("chain", canonical);
        c.update(props);
        return id + ": chain " + (canonical.isEmpty() ? "cleared" : "set to " + canonical) + " (crossfaded in)";
    }

    private Device device(String id) {
        return devices.stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no device '" + id + "'; running: "
                        + (devices.isEmpty() ? "none"
                        : devices.stream().map(Device::id).sorted().collect(Collectors.joining(", ")))));
    }

    private Configuration configuration(String id) throws IOException, InvalidSyntaxException {
        if (!id.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("device id '" + id + "' is not valid");
        }
        Configuration[] found = configurationAdmin.listConfigurations(
                "(&(service.factoryPid=" + DeviceConfig.PID + ")(id=" + id + "))");
        if (found == null || found.length == 0) {
            throw new IllegalStateException("device '" + id + "' has no configuration to change");
        }
        return found[0];
    }
}
