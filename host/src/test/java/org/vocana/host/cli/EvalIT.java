/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.cli.VocanaCliIT.Result;

/**
 * {@code vocana eval} end to end: the dev-set script, then the suppressor against speexdsp on the
 * CI subset (two voices, every noise and SNR) with the targets asserted by {@code --check}.
 */
class EvalIT {

    @TempDir
    static Path shared;
    static Path devset;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeDevSet() throws IOException, InterruptedException {
        devset = shared.resolve("devset");
        Process p = new ProcessBuilder("bash", Path.of("eval", "make-devset.sh").toAbsolutePath().toString(), devset.toString())
                .redirectErrorStream(true).redirectOutput(shared.resolve("make.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "make-devset.sh finishes");
        assertEquals(0, p.exitValue(), Files.readString(shared.resolve("make.log")));
    }

    @Test
    void theSuppressorMeetsItsTargetsAgainstSpeexdspOnTheCiSubset() throws IOException, InterruptedException {
        Result r = VocanaCliIT.vocana(dir, "eval", "--devset", devset.toString(), "--voices", "2", "--check", "--quiet");
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("vocana eval: check passed: denoise meets every target against denoise-speex"), r.out());
        assertTrue(r.out().contains("vocana eval: 58 mixtures"), r.out());
    }

    @Test
    void aMissingDevSetSaysHowToMakeIt() throws IOException, InterruptedException {
        Path none = dir.resolve("none");
        Result r = VocanaCliIT.vocana(dir, "eval", "--devset", none.toString());
        assertEquals(1, r.exit());
        assertEquals(List.of("vocana eval: no dev set in " + none + " (speech-0.wav and babble.wav expected);"
                + " make the dev set with: host/eval/make-devset.sh " + none), r.errLines());
    }

    @Test
    void badOptionsAreExplainedInOneLine() throws IOException, InterruptedException {
        String set = devset.toString();
        Result noise = VocanaCliIT.vocana(dir, "eval", "--devset", set, "--noise", "white,purple");
        assertEquals(2, noise.exit());
        assertEquals(List.of("vocana eval: unknown noise 'purple'; accepted: white, pink, brown, hum, fan, keyboard, babble"),
                noise.errLines());
        Result snr = VocanaCliIT.vocana(dir, "eval", "--devset", set, "--snr", "0,99");
        assertEquals(2, snr.exit());
        assertEquals(List.of("vocana eval: --snr 99.0 is out of range: accepted -10..40 dB"), snr.errLines());
        Result voices = VocanaCliIT.vocana(dir, "eval", "--devset", set, "--voices", "7", "--quiet");
        assertEquals(2, voices.exit());
        assertEquals(List.of("vocana eval: --voices 7 is out of range: the dev set has 6 voices (accepted 1..6)"),
                voices.errLines());
        Result check = VocanaCliIT.vocana(dir, "eval", "--devset", set, "--reference", "none", "--check");
        assertEquals(2, check.exit());
        assertEquals(List.of("vocana eval: --check compares against the reference: it needs --reference SPEC, not 'none'"),
                check.errLines());
    }
}
