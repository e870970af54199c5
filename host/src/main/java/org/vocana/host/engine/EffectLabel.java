/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

/**
 * Who an engine report is about: an effect's id and version and its position in the device's
 * configured chain as the CLI counts it (1-based; an effect left out because it is not installed
 * still takes its number). Made once per slot when the chain is built, so that the audio thread
 * reports faults by reference, without allocating.
 */
public record EffectLabel(String id, String version, int position) {

    /** {@code effect 'gain' 1.0.0 (position 2)}. */
    @Override
    public String toString() {
        return "effect '" + id + "' " + version + " (position " + position + ")";
    }
}
