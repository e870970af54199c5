/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.testing.AllocationMeter;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.effects.EffectInstance;

class ChainTest {

    private final TestCatalog catalog = TestCatalog.builtIns();
    private final ChainResolver resolver = new ChainResolver(catalog);

    private Chain chain(String spec, int channels) {
        return Chain.activate(resolver.instantiate(ChainSpec.parse(spec)), 48_000, 128, channels);
    }

    @Test
    void latencyIsTheSumOfTheEffectsLatencies() {
        try (Chain one = chain("limiter", 2); Chain two = chain("gain,limiter,highpass,limiter", 2)) {
            int l = one.latencyFrames();
            assertEquals(true, l > 0);
            assertEquals(2 * l, two.latencyFrames());
        }
    }

    @Test
    void impulseComesOutDelayedByTheReportedLatencyWithTheChainsGain() {
        try (Chain c = chain("gain:gainDb=-6.0206,limiter,gain:gainDb=6.0206", 1)) {
            float[][] buf = new float[1][128];
            int latency = c.latencyFrames();
            int at = -1;
            float peak = 0;
            for (int block = 0; block * 128 < latency + 256; block++) {
                java.util.Arrays.fill(buf[0], 0f);
                if (block == 0) {
                    buf[0][0] = 0.25f;
                }
                c.process(buf, 128);
                for (int i = 0; i < 128; i++) {
                    if (Math.abs(buf[0][i]) > Math.abs(peak)) {
                        peak = buf[0][i];
                        at = block * 128 + i;
                    }
                }
            }
            assertEquals(latency, at);
            assertEquals(0.25f, peak, 1e-5f);
        }
    }

    @Test
    void closingDeactivatesAndReleasesEveryInstance() {
        Chain c = chain("gain,limiter,highpass", 2);
        assertEquals(3, catalog.live);
        c.close();
        assertEquals(0, catalog.live);
    }

    @Test
    void aFailedActivationReleasesEverything() {
        List<EffectInstance> instances = resolver.instantiate(ChainSpec.parse("gain,limiter"));
        assertThrows(IllegalArgumentException.class, () -> Chain.activate(instances, 48_000, 128, 65));
        assertEquals(0, catalog.live);
    }

    @Test
    void steadyStateProcessingAllocatesNothing() {
        try (Chain c = chain("highpass:cutoffHz=80:order=4,gain:gainDb=6,limiter:ceilingDb=-1", 2)) {
            float[][] buf = new float[2][128];
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < 128; i++) {
                buf[0][i] = (float) r.nextGaussian();
                buf[1][i] = (float) r.nextGaussian();
            }
            long allocated = AllocationMeter.steadyStateBytes(10_000, i -> c.process(buf, 1 + (i % 128)));
            assertEquals(0, allocated, "bytes allocated by 20000 process calls in steady state");
        }
    }

    /** A pure delay of {@value #DELAY} frames that reports it as its latency. */
    static final class Delay extends org.vocana.sdk.AbstractEffect {
        static final int DELAY = 50;
        private float[][] line;
        private int pos;

        Delay() {
            super(new org.vocana.sdk.EffectDescriptor("delay", "Delay", "test", "1", java.util.List.of()));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
            line = new float[channels][DELAY];
        }

        @Override
        protected void onReset() {
            for (float[] l : line) {
                java.util.Arrays.fill(l, 0f);
            }
        }

        @Override
        public int latencyFrames() {
            return DELAY;
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            int p = pos;
            for (int i = 0; i < frames; i++) {
                for (int c = 0; c < channels(); c++) {
                    float x = in[c][i];
                    out[c][i] = line[c][p];
                    line[c][p] = x;
                }
                p = (p + 1) % DELAY;
            }
            pos = p;
        }
    }

    @Test
    void bypassingAnEffectWithLatencyKeepsTheTimingAndNeverSteps() {
        org.vocana.host.effects.EffectInstance delay = new org.vocana.host.effects.EffectInstance(new Delay(), () -> { });
        try (Chain c = Chain.activate(java.util.List.of(delay), 48_000, 128, 1)) {
            double slope = 0.5 * 2 * Math.PI * 440 / 48_000; // steepest step of the test sine
            float[][] buf = new float[1][128];
            long n = 0;
            float last = 0;
            for (int block = 0; block < 600; block++) {
                if (block % 50 == 10) {
                    c.bypass(0, (block / 50) % 2 == 0); // bypass on at 10, 110, ...; off at 60, 160, ...
                }
                for (int i = 0; i < 128; i++) {
                    buf[0][i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * (n + i) / 48_000));
                }
                c.process(buf, 128);
                for (int i = 0; i < 128; i++, n++) {
                    float expected = n < Delay.DELAY ? 0f
                            : (float) (0.5 * Math.sin(2 * Math.PI * 440 * (n - Delay.DELAY) / 48_000));
                    assertEquals(expected, buf[0][i], 1e-6, "frame " + n + ": the input delayed by the latency,"
                            + " bypassed or not, and across every fade");
                    if (n > 0) {
                        assertTrue(Math.abs(buf[0][i] - last) <= slope * 1.0001, "step at frame " + n);
                    }
                    last = buf[0][i];
                }
            }
        }
    }
}
