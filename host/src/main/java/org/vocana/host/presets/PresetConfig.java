/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.presets;

/**
 * A preset as Configuration Admin holds it: factory PID {@value #PID}, usually delivered by a
 * preset bundle's OSGi Configurator resource ({@code OSGI-INF/configurator/*.json}), e.g.
 * {@code "org.vocana.preset~voice": {"name": "voice", "description": "...", "chain": "..."}}.
 */
public @interface PresetConfig {

    String PID = "org.vocana.preset";

    /** 1-40 of [a-z0-9-]. */
    String name();

    String description() default "";

    /** A chain spec. */
    String chain();
}
