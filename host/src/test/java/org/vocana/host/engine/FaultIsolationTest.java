/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vocana.effect.gain.GainEffect;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.testing.AllocationMeter;

class FaultIsolationTest {

    private static final int RATE = 48_000;
    private static final int BLOCK = 64;

    /** Misbehaves from block {@code from} on, in the way its kind says; otherwise multiplies by 2. */
    static final class Rogue extends AbstractEffect {
        enum Kind { THROWS, NAN, INFINITY, SLOW }

        private static final RuntimeException FAILURE = new IllegalStateException("rogue effect failure") {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };

        private final Kind kind;
        volatile int from;
        int blocks;

        Rogue(Kind kind, int from) {
            super(new EffectDescriptor("rogue", "Rogue", "test", "1", List.of()));
            this.kind = kind;
            this.from = from;
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
        }

        @Override
        protected void onReset() {
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            boolean bad = blocks++ >= from;
            for (int c = 0; c < channels(); c++) {
                for (int i = 0; i < frames; i++) {
                    out[c][i] = in[c][i] * 2;
                }
            }
            if (!bad) {
                return;
            }
            switch (kind) {
                case THROWS -> throw FAILURE;
                case NAN -> out[0][frames / 2] = Float.NaN;
                case INFINITY -> out[channels() - 1][0] = Float.NEGATIVE_INFINITY;
                case SLOW -> {
                    long until = System.nanoTime() + 2_000_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }

    private static Chain chain(FaultPolicy policy, FaultLog log, org.vocana.sdk.Effect... effects) {
        List<EffectInstance> instances = new ArrayList<>();
        for (org.vocana.sdk.Effect e : effects) {
            instances.add(new EffectInstance(e, () -> { }));
        }
        return Chain.activate(instances, RATE, BLOCK, 2, policy, log);
    }

    private static float[][] ramp() {
        float[][] b = new float[2][BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            b[0][i] = i / 100f;
            b[1][i] = -i / 100f;
        }
        return b;
    }

    private static List<FaultLog.Fault> drain(FaultLog log) {
        List<FaultLog.Fault> faults = new ArrayList<>();
        log.drain(faults::add);
        return faults;
    }

    @Test
    void anEffectThatThrowsOrOutputsNonFiniteIsBypassedAtOnceAndReported() {
        for (Rogue.Kind kind : new Rogue.Kind[] {Rogue.Kind.THROWS, Rogue.Kind.NAN, Rogue.Kind.INFINITY}) {
            FaultLog log = new FaultLog(16);
            GainEffect after = new GainEffect();
            after.setParameter(GainEffect.GAIN_DB, 20 * Math.log10(3));
            Chain c = chain(FaultPolicy.offline(RATE), log, new Rogue(kind, 2), after);
            float[][] b = ramp();
            c.process(b, BLOCK);
            assertEquals(2 * 3 * (10 / 100f), b[0][10], 1e-5f, kind + ": healthy rogue doubles");
            c.process(b = ramp(), BLOCK);
            c.process(b = ramp(), BLOCK);
            // the faulty block: the rogue is bypassed (its input passes), the gain after it still runs
            float[][] expected = ramp();
            for (float[] ch : expected) {
                for (int i = 0; i < BLOCK; i++) {
                    ch[i] *= 3;
                }
            }
            for (int ch = 0; ch < 2; ch++) {
                for (int i = 0; i < BLOCK; i++) {
                    assertEquals(expected[ch][i], b[ch][i], 1e-5f, kind + " channel " + ch + " frame " + i);
                }
            }
            assertTrue(c.bypassed(0));
            List<FaultLog.Fault> faults = drain(log);
            assertEquals(1, faults.size(), kind.toString());
            FaultLog.Fault f = faults.get(0);
            assertEquals(0, f.slot());
            assertEquals("rogue", f.effectId());
            assertEquals(kind == Rogue.Kind.THROWS ? FaultLog.Reason.THREW : FaultLog.Reason.NON_FINITE, f.reason());
            assertEquals(1, f.count());
            assertFalse(f.disabled());
            c.close();
        }
    }

    @Test
    void afterACoolDownTheEffectIsResetAndFadedBackInUntilTheFaultLimitDisablesIt() {
        FaultLog log = new FaultLog(16);
        FaultPolicy policy = new FaultPolicy(3, 4 * BLOCK, BLOCK, Long.MAX_VALUE, 8);
        Rogue rogue = new Rogue(Rogue.Kind.NAN, 0);
        Chain c = chain(policy, log, rogue);
        for (int block = 0; block < 100; block++) {
            float[][] b = ramp();
            c.process(b, BLOCK);
            for (int i = 0; i < BLOCK; i++) {
                assertTrue(Float.isFinite(b[0][i]) && Float.isFinite(b[1][i]), "no NaN ever leaves the chain");
            }
        }
        List<FaultLog.Fault> faults = drain(log);
        assertEquals(3, faults.size(), "three faults, then disabled: " + faults);
        assertEquals(List.of(1, 2, 3), faults.stream().map(FaultLog.Fault::count).toList());
        assertTrue(faults.get(2).disabled());
        // re-enabled by the control side, and healthy again: it runs and fades in
        rogue.from = Integer.MAX_VALUE;
        c.enable(0);
        float[][] b = ramp();
        for (int block = 0; block < 8; block++) {
            c.process(b = ramp(), BLOCK);
        }
        assertFalse(c.bypassed(0));
        assertEquals(2 * 10 / 100f, b[0][10], 1e-6f, "fully wet again");
        c.close();
    }

    @Test
    void anEffectOverItsTimeBudgetOnConsecutiveBlocksIsFadedOut() {
        FaultLog log = new FaultLog(16);
        FaultPolicy policy = new FaultPolicy(3, 1_000 * BLOCK, BLOCK, 500_000, 4);
        Chain c = chain(policy, log, new Rogue(Rogue.Kind.SLOW, 5));
        float[][] b = ramp();
        float previousFirst = 0;
        for (int block = 0; block < 12; block++) {
            c.process(b = ramp(), BLOCK);
            if (block == 7) {
                previousFirst = b[0][BLOCK - 1];
            }
        }
        List<FaultLog.Fault> faults = drain(log);
        assertEquals(1, faults.size());
        assertEquals(FaultLog.Reason.TOO_SLOW, faults.get(0).reason());
        // four late blocks (5..8) make a fault; block 8 fades out over one block; then dry
        assertTrue(c.bypassed(0));
        assertArrayEquals(ramp()[0], b[0], "bypassed output is the dry input");
        assertEquals(2 * (BLOCK - 1) / 100f, previousFirst, 1e-6f, "still wet before the fault was counted");
        c.close();
    }

    @Test
    void faultHandlingAllocatesNothing() {
        FaultLog log = new FaultLog(1024);
        FaultPolicy policy = new FaultPolicy(1_000_000, BLOCK, BLOCK, Long.MAX_VALUE, 8);
        Chain c = chain(policy, log, new Rogue(Rogue.Kind.THROWS, 0), new Rogue(Rogue.Kind.NAN, 0), new GainEffect());
        float[][] b = ramp();
        // the log is not drained here (draining is the control thread's job): once full, reports are
        // counted as dropped, which must not allocate either
        long bytes = AllocationMeter.steadyStateBytes(5_000, i -> c.process(b, BLOCK));
        assertTrue(log.dropped() > 0, "the log overflowed during the test");
        assertEquals(0, bytes, "bytes allocated by the audio thread while effects fault");
        c.close();
    }
}
