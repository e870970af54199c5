/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/** Outputs one NaN sample per block once it has processed 0.5 s of audio since its last reset. */
public final class NanEffect extends Misbehaving {

    public NanEffect() {
        super("test-nan", "NaN (test)");
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
        if (secondsSinceReset() > 0.5 && frames > 0) {
            out[0][frames / 2] = Float.NaN;
        }
    }
}
