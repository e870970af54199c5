/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.limiter;

import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.EffectVerifier;

/** The effect test kit at its highest level, as every built-in effect must pass it. */
class LimiterEffectKitTest {

    @Test
    void passesTheEffectTestKitAtTheHighestLevel() {
        EffectVerifier.of(LimiterEffect::new).level(EffectVerifier.MAX_LEVEL).verify().assertPassed();
    }
}
