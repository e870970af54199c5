/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vocana.host.eval.Evaluation.Cell;
import org.vocana.host.eval.Evaluation.Report;
import org.vocana.host.eval.Evaluation.Summary;
import org.vocana.sdk.AbstractEffect;
import org.vocana.sdk.EffectDescriptor;

class EvaluationTest {

    /** A pure delay of {@code delay} frames that reports {@code reported} as its latency. */
    static final class Delay extends AbstractEffect {
        private final int delay;
        private final int reported;
        private float[] line;
        private int pos;

        Delay(int delay, int reported) {
            super(new EffectDescriptor("test-delay", "Delay (test)", "Vocana tests", "1.0.0", List.of()));
            this.delay = delay;
            this.reported = reported;
        }

        @Override
        protected void onActivate(double sampleRate, int maxFrames, int channels) {
            line = new float[delay + 1];
        }

        @Override
        protected void onReset() {
            java.util.Arrays.fill(line, 0f);
            pos = 0;
        }

        @Override
        public int latencyFrames() {
            return reported;
        }

        @Override
        protected void render(float[][] in, float[][] out, int frames) {
            for (int i = 0; i < frames; i++) {
                line[pos] = in[0][i];
                pos = (pos + 1) % line.length;
                out[0][i] = line[pos]; // written delay frames ago
            }
        }
    }

    /** A suppressor of one delay effect, activated as vocana eval does. */
    private static Evaluation.Suppressor delay(String name, int delay, int reported) {
        Delay d = new Delay(delay, reported);
        d.activate(DevSet.SAMPLE_RATE, Evaluation.BLOCK, 1);
        return new Evaluation.Suppressor(name, List.of(d));
    }

    private static final DevSet SET = new DevSet(
            List.of(StoiTest.speechLike(48_000 * 2, 11), StoiTest.speechLike(48_000 * 2, 12)),
            Noises.generate("pink", 13, 48_000 * 4, 48_000, null)); // stands in for the recorded babble

    @Test
    void aPureDelayChangesNothingOnceAlignedAndItsDelayIsMeasuredExactly() {
        Report report = Evaluation.run(SET, List.of(delay("delay", 300, 300)),
                new Evaluation.Options(List.of("white", "babble"), List.of(0.0, 10.0), 2), (d, t) -> { });
        assertEquals(2 * (1 + 2 * 2), report.mixtures());
        Summary s = report.summaries().getFirst();
        assertEquals(300, s.measuredLatencyMin());
        assertEquals(300, s.measuredLatencyMax());
        assertTrue(s.cleanSiSdr() > 100, "clean speech passes bit-exact: " + s.cleanSiSdr());
        for (Cell c : report.cells()) {
            assertEquals(0, c.deltaSiSdr(), 1e-6, c.toString());
            assertEquals(0, c.deltaSegSnr(), 1e-6, c.toString());
            assertEquals(0, c.deltaStoi(), 1e-9, c.toString());
        }
        // the baselines are mixtures at the nominal SNR: SI-SDR of speech + independent noise ~ SNR
        for (Evaluation.Baseline b : report.baselines()) {
            assertEquals(b.snrDb(), b.siSdr(), 0.5, b.toString());
        }
    }

    @Test
    void aMisreportedLatencyShowsInTheMeasuredDelay() {
        Report report = Evaluation.run(SET, List.of(delay("liar", 480, 240)),
                new Evaluation.Options(List.of("pink"), List.of(5.0), 1), (d, t) -> { });
        Summary s = report.summaries().getFirst();
        assertEquals(240, s.reportedLatency());
        assertEquals(480, s.measuredLatencyMin());
        assertEquals(480, s.measuredLatencyMax());
    }

    @Test
    void tooManyVoicesIsExplained() {
        var e = assertThrows(IllegalArgumentException.class, () -> Evaluation.run(SET,
                List.of(delay("delay", 1, 1)),
                new Evaluation.Options(List.of("white"), List.of(0.0), 3), (d, t) -> { }));
        assertEquals("--voices 3 is out of range: the dev set has 2 voices (accepted 1..2)", e.getMessage());
    }
}
