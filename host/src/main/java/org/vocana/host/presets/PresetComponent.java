/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.presets;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.vocana.host.chain.ChainSpec;

/**
 * One {@link Preset} service per {@link PresetConfig} configuration. A preset whose name or
 * chain is malformed is refused with a one-line message naming what is accepted; its effects are
 * checked only when it is applied (a preset may name an effect installed later).
 */
@Component(configurationPid = PresetConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = Preset.class)
public final class PresetComponent implements Preset {

    private final String name;
    private final String description;
    private final String chain;

    @Activate
    public PresetComponent(PresetConfig config) {
        String n = config.name();
        if (n == null || !n.matches("[a-z0-9][a-z0-9-]{0,39}")) {
            String message = "preset name '" + n + "' is not valid: accepted 1-40 of a-z 0-9 -";
            System.err.println("vocana: " + message);
            throw new IllegalArgumentException(message);
        }
        try {
            this.chain = ChainSpec.parse(config.chain()).toString();
        } catch (IllegalArgumentException e) {
            System.err.println("vocana: preset '" + n + "' ignored: " + e.getMessage());
            throw e;
        }
        this.name = n;
        this.description = config.description() == null ? "" : config.description().strip();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String chain() {
        return chain;
    }
}
