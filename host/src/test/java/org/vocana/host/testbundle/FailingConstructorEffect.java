/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.testbundle;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

/** An effect component whose constructor throws (SCR cannot activate it). */
public final class FailingConstructorEffect extends AbstractEffect {

    public FailingConstructorEffect() {
        super(new EffectDescriptor("test-ctor", "Failing constructor (test)", "Vocana tests", "1.0.0", List.of()));
        throw new IllegalStateException("constructor fails on purpose");
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
    }

    @Override
    protected void onReset() {
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
    }
}
