/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.presets;

/** A named chain that can be applied to a device (a service, one per preset). */
public interface Preset {

    /** The preset's name: 1-40 of [a-z0-9-]. */
    String name();

    /** One line for people. */
    String description();

    /** The chain spec (may name effects that are not installed yet). */
    String chain();
}
