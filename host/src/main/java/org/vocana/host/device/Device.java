/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

/** A running virtual device (a service, one per device configuration). */
public interface Device {

    /** The device id. */
    String id();

    /** Latency of the device's chain, in frames. */
    int latencyFrames();

    /** Blocks processed so far. */
    long blocks();

    /** The chain spec in use (empty: pass-through). */
    String chain();

    /** One line: id, format, region file, latency, blocks, chain. */
    String describe();
}
