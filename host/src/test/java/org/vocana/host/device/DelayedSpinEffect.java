/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.List;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;

/**
 * A test effect for a real host ({@code java -jar vocana.jar run}) that passes audio through, bit
 * for bit, until {@code afterS} seconds after its first block, then spins on the thread that runs
 * it for {@code spinMs} (once per class loader, so once per installed bundle): a stuck effect for
 * the watchdog, packed at test time by {@link org.vocana.host.testeffect.TestBundles}. The spin is
 * bounded, so the thread the watchdog abandons ends by itself instead of burning a core until the
 * host stops. One class, no nested or synthetic classes: the bundle holds this class file only.
 */
public final class DelayedSpinEffect extends AbstractEffect {

    /** The id in chain specs. */
    public static final String ID = "spin-later";

    /** Whether an instance already spun (static: one spin per installed bundle). */
    private static volatile boolean spun;

    /** System.nanoTime at which to spin; 0 until the first block. */
    private long spinAt;

    public DelayedSpinEffect() {
        super(new EffectDescriptor(ID, "Spin later (test)", "Vocana tests", "1.0.0", List.of(
                ParameterDescriptor.continuous("afterS", "Spin after", "s", 0, 3600, 5, ParameterDescriptor.Scale.LINEAR),
                ParameterDescriptor.continuous("spinMs", "Spin for", "ms", 0, 60_000, 1000,
                        ParameterDescriptor.Scale.LINEAR))));
    }

    @Override
    protected void onActivate(double sampleRate, int maxFrames, int channels) {
        spinAt = 0;
    }

    @Override
    protected void onReset() {
    }

    @Override
    protected void render(float[][] in, float[][] out, int frames) {
        long now = System.nanoTime();
        if (spinAt == 0) {
            spinAt = now + (long) (parameter(0) * 1e9);
        } else if (!spun && now - spinAt >= 0) {
            spun = true;
            long end = now + (long) (parameter(1) * 1e6);
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }
        for (int c = 0; c < channels(); c++) {
            System.arraycopy(in[c], 0, out[c], 0, frames);
        }
    }
}
