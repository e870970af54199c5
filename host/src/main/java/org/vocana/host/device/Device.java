/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import org.vocana.host.chain.ChainSpec;

/** A running virtual device (a service, one per device configuration). */
public interface Device {

    /** The device id. */
    String id();

    /** The PID of the device's configuration (Configuration Admin): control edits change that one. */
    String pid();

    /** Latency of the device's chain, in frames. */
    int latencyFrames();

    /** Blocks processed so far. */
    long blocks();

    /** The chain spec in use (empty: pass-through). */
    String chain();

    /** The chain in use (null: pass-through). */
    ChainSpec spec();

    /** Figures since the device started. */
    DeviceStats stats();

    /** Lets the effect at 0-based chain position {@code index}, disabled after repeated faults, run again. */
    void enable(int index);

    /** One line: id, format, region file, latency, blocks, chain. */
    String describe();
}
