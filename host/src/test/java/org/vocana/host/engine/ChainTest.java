/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
