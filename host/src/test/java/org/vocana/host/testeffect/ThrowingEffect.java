/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/** Throws {@link IllegalStateException} on every block once it has processed 0.5 s of audio since its last reset. */
public final class ThrowingEffect extends Misbehaving {

    public ThrowingEffect() {
        super("test-throw", "Throws (test)");
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
        if (secondsSinceReset() > 0.5) {
            throw new IllegalStateException("test-throw: deliberate failure after " + framesSinceReset + " frames");
        }
    }
}
