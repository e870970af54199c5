/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;
import org.vocana.sdk.dsp.LinearRamp;

/** The kit passes a correct effect and catches each kind of defect with the check that names it. */
class EffectVerifierTest {

    /** A correct effect: smoothed gain. Subclasses break one rule each. */
    static class Good extends AbstractEffect {
        LinearRamp ramp;

        Good() {
            super(new EffectDescriptor("good", "Good", "test", "1",
                    List.of(ParameterDescriptor.continuous("g", "Gain", "", 0, 2, 1, ParameterDescriptor.Scale.LINEAR))));
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
            ramp = new LinearRamp();
            ramp.setRampTime(0.02, sampleRate);
            ramp.jumpTo(parameter(0));
        }

        @Override
        protected void onReset() {
            ramp.jumpTo(parameter(0));
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            ramp.setTarget(parameter(0));
            for (int i = 0; i < frames; i++) {
                float g = (float) ramp.next();
                for (int c = 0; c < channels(); c++) {
                    float y = in[c][i] * g;
                    out[c][i] = Math.abs(y) < Float.MIN_NORMAL ? 0f : y; // no subnormal output
                }
            }
        }
    }

    private static Map<String, String> failures(Supplier<Effect> f) {
        EffectVerifier.Report r = EffectVerifier.of(f).verify();
        return r.results().stream().filter(x -> !x.passed())
                .collect(Collectors.toMap(EffectVerifier.Result::check, EffectVerifier.Result::detail));
    }

    @Test
    void aCorrectEffectPassesEveryCheck() {
        EffectVerifier.Report r = EffectVerifier.of(Good::new).verify();
        assertEquals(13, r.results().size());
        r.assertPassed();
    }

    @Test
    void allocationOnTheAudioThreadIsCaught() {
        Map<String, String> f = failures(() -> new Good() {
            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                float[] copy = in[0].clone();
                super.render(in, out, frames);
                out[0][0] = copy[0] * 0 + out[0][0];
            }
        });
        assertTrue(f.get("allocation").contains("bytes allocated by process() in steady state"), f.toString());
    }

    @Test
    void stateThatResetDoesNotClearIsCaught() {
        Map<String, String> f = failures(() -> new Good() {
            float memory;

            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                super.render(in, out, frames);
                for (int i = 0; i < frames; i++) {
                    memory = 0.5f * memory + out[0][i];
                    out[0][i] = memory * 0.5f;
                }
            }
        });
        assertTrue(f.get("determinism-and-reset").startsWith("the same input after reset() gave a different output"), f.toString());
    }

    @Test
    void nanOutputAndAWrongLatencyAreCaught() {
        Map<String, String> nan = failures(() -> new Good() {
            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                super.render(in, out, frames);
                if (frames > 100) {
                    out[0][100] = Float.NaN;
                }
            }
        });
        assertTrue(nan.get("inputs").contains("outputs must be finite"), nan.toString());
        Map<String, String> lat = failures(() -> new Good() {
            @Override
            public int latencyFrames() {
                return 64;
            }
        });
        assertTrue(lat.get("latency").startsWith("latencyFrames() reports 64 frames but an impulse comes out largest at frame 0"),
                lat.toString());
    }

    @Test
    void unsmoothedParameterJumpsAreCaughtAsZipperNoise() {
        Map<String, String> f = failures(() -> new Good() {
            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                for (int i = 0; i < frames; i++) {
                    for (int c = 0; c < channels(); c++) {
                        out[c][i] = in[c][i] * (float) (4 * parameter(0));
                    }
                }
            }
        });
        assertTrue(f.get("parameter-fuzz").contains("zipper noise"), f.toString());
    }

    @Test
    void failuresNameTheSeedAndLevelsLimitTheChecks() {
        EffectVerifier.Report r = EffectVerifier.of(() -> new Good() {
            @Override
            public int latencyFrames() {
                return 9;
            }
        }).seed(42).verify();
        AssertionError e = assertThrows(AssertionError.class, r::assertPassed);
        assertTrue(e.getMessage().startsWith("effect 'good' failed (seed 0x2a, level 3):\n  latency: "), e.getMessage());
        assertEquals(3, EffectVerifier.of(Good::new).level(1).verify().results().size());
        assertEquals("level 0 out of range: accepted 1..3",
                assertThrows(IllegalArgumentException.class, () -> EffectVerifier.of(Good::new).level(0)).getMessage());
    }

    @Test
    void aHangingCheckIsStoppedByTheWatchdogAndTheRestStillRuns() {
        EffectVerifier.Report r = EffectVerifier.of(() -> new Good() {
            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                if (frames == 509) {
                    while (true) {
                        Thread.onSpinWait();
                    }
                }
                super.render(in, out, frames);
            }
        }).checkTimeout(java.time.Duration.ofMillis(500)).verify();
        Map<String, String> f = r.results().stream().filter(x -> !x.passed())
                .collect(Collectors.toMap(EffectVerifier.Result::check, EffectVerifier.Result::detail));
        assertEquals(Map.of("block-sizes", "did not finish within 0.5 s: the effect hangs (in activate(), process() or a"
                + " parameter call); the check was abandoned"), f);
        assertEquals(13, r.results().size(), "every other check ran");
    }

    @Test
    void aFilterThatRunsOnSubnormalsIsCaughtWhateverTheCpu() {
        // whether subnormal arithmetic is slow depends on the CPU (this one: not much); the
        // subnormal outputs are caught everywhere
        Map<String, String> f = failures(() -> new Good() {
            final float[] state = new float[8];

            @Override
            protected void onReset() {
                super.onReset();
                java.util.Arrays.fill(state, 0f);
            }

            @Override
            protected void render(float[][] in, float[][] out, int frames) {
                for (int c = 0; c < channels(); c++) {
                    float s = state[c];
                    for (int i = 0; i < frames; i++) {
                        s = in[c][i] * 0.01f + s * 0.9f; // tiny input keeps the state subnormal
                        out[c][i] = s + in[c][i];
                    }
                    state[c] = s;
                }
            }
        });
        assertTrue(f.get("inputs").contains("subnormal output") && f.get("inputs").contains("flush tiny values to zero"),
                f.toString());
    }
}
