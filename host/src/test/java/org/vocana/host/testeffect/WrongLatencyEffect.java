/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testeffect;

/** Passes audio through but reports a latency of -5 frames (impossible). */
public final class WrongLatencyEffect extends Misbehaving {

    public WrongLatencyEffect() {
        super("test-latency", "Wrong latency (test)");
    }

    @Override
    public int latencyFrames() {
        return -5;
    }

    @Override
    protected void misbehave(float[][] out, int frames) {
    }
}
