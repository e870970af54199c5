/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.shell;

import java.io.IOException;
import java.util.List;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.control.Control;

/**
 * Gogo commands in scope {@code vocana}, the same as the CLI's control commands (see
 * {@link Control}): {@code vocana:devices}, {@code vocana:chain ID [SPEC|none]},
 * {@code vocana:insert}, {@code vocana:remove}, {@code vocana:move}, {@code vocana:bypass},
 * {@code vocana:set}, {@code vocana:enable}, {@code vocana:presets}, {@code vocana:preset},
 * {@code vocana:stats}. A change lasts until the host restarts unless the device's file in the
 * watched folder is edited too.
 */
@Component(service = DeviceCommands.class, property = {"osgi.command.scope=vocana",
    "osgi.command.function=devices", "osgi.command.function=chain", "osgi.command.function=insert",
    "osgi.command.function=remove", "osgi.command.function=move", "osgi.command.function=bypass",
    "osgi.command.function=set", "osgi.command.function=enable", "osgi.command.function=presets",
    "osgi.command.function=preset", "osgi.command.function=stats"})
public final class DeviceCommands {

    private final Control control;

    @Activate
    public DeviceCommands(@Reference Control control) {
        this.control = control;
    }

    public String devices() {
        return control.devices();
    }

    public String chain(String id) {
        return control.chain(id);
    }

    public String chain(String id, String spec) throws IOException, InvalidSyntaxException {
        return control.chain(id, spec);
    }

    public String insert(String id, String position, String effect) throws IOException, InvalidSyntaxException {
        return control.insert(id, position, effect);
    }

    public String remove(String id, String position) throws IOException, InvalidSyntaxException {
        return control.remove(id, position);
    }

    public String move(String id, String from, String to) throws IOException, InvalidSyntaxException {
        return control.move(id, from, to);
    }

    public String bypass(String id, String position) throws IOException, InvalidSyntaxException {
        return control.bypass(id, position, "on");
    }

    public String bypass(String id, String position, String onOff) throws IOException, InvalidSyntaxException {
        return control.bypass(id, position, onOff);
    }

    public String set(String id, String position, String... assignments) throws IOException, InvalidSyntaxException {
        return control.set(id, position, List.of(assignments));
    }

    public String enable(String id, String position) {
        return control.enable(id, position);
    }

    public String presets() {
        return control.presets();
    }

    public String preset(String id, String name) throws IOException, InvalidSyntaxException {
        return control.preset(id, name);
    }

    public String stats() {
        return control.stats();
    }

    public String stats(String id) {
        return control.stats(id);
    }
}
