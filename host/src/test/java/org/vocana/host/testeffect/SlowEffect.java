/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/**
 * Takes 2 ms per block (most of a 128-frame period at 48 kHz) from 2 s after its activation on
 * (the host's warm-up is over by then): over its time budget.
 */
public final class SlowEffect extends Misbehaving {

    public SlowEffect() {
        super("test-slow", "Slow (test)");
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
        if (secondsSinceActivation() > 2) {
            spin(2_000_000);
        }
    }
}
