/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/**
 * A healthy but busy effect: 0.6 ms per block (about a fifth of a 128-frame period at 48 kHz,
 * within its budget of half a period) from 2 s after its activation on, so that a process stopped
 * at a random moment is often stopped inside it (watchdog tests).
 */
public final class BusyEffect extends Misbehaving {

    public BusyEffect() {
        super("test-busy", "Busy (test)");
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
        if (secondsSinceActivation() > 2) {
            spin(600_000);
        }
    }
}
