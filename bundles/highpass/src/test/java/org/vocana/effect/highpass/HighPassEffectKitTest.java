/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.effect.highpass;

import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.EffectVerifier;

/** The effect test kit at its highest level, as every built-in effect must pass it. */
class HighPassEffectKitTest {

    @Test
    void passesTheEffectTestKitAtTheHighestLevel() {
        EffectVerifier.of(HighPassEffect::new).level(EffectVerifier.MAX_LEVEL).verify().assertPassed();
    }
}
