/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.time.Duration;
import java.util.List;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectCatalog;

/** Helpers shared by commands that build chains. */
final class Effects {

    /** How long a command waits for effects from the watched folder to appear at start-up. */
    static final Duration STARTUP_GRACE = Duration.ofMillis(2500);

    private Effects() {
    }

    /**
     * Gives bundles in the watched folder a moment to start if the spec names effects that are
     * not installed yet; the resolver then reports any that are still unknown.
     */
    static void awaitInstalled(EffectCatalog catalog, ChainSpec spec) throws InterruptedException {
        List<String> ids = spec.slots().stream().map(ChainSpec.Slot::effectId).distinct().toList();
        catalog.await(ids, STARTUP_GRACE);
    }
}
