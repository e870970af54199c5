/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.offline.OfflineProcessor.Summary;
import org.vocana.host.wav.WavFormat;

/** Prints what a processing run did. */
final class SummaryPrinter {

    private SummaryPrinter() {
    }

    static void print(PrintStream out, Path in, Path outPath, ChainSpec spec, Summary s) {
        out.printf(Locale.ROOT, "in      %s  (%s, %.2f s)%n", in, describe(s.input()), s.seconds());
        out.printf(Locale.ROOT, "out     %s  (%s)%n", outPath, describe(s.output()));
        out.printf(Locale.ROOT, "chain   %s  (latency %d frames = %.2f ms, compensated)%n", spec,
                s.latencyFrames(), 1000.0 * s.latencyFrames() / s.input().sampleRate());
        out.printf(Locale.ROOT, "level   in  peak %s  RMS %s%n", db(s.in().peakDb()), db(s.in().rmsDb()));
        out.printf(Locale.ROOT, "level   out peak %s  RMS %s%n", db(s.out().peakDb()), db(s.out().rmsDb()));
        if (s.clippedSamples() > 0) {
            out.printf(Locale.ROOT, "clipped %d samples beyond full scale in the %s output%n", s.clippedSamples(),
                    s.output().encoding().displayName());
        }
        out.printf(Locale.ROOT, "speed   %.0fx real time (%.2f s)%n", s.speed(), s.elapsedNanos() / 1e9);
    }

    private static String describe(WavFormat f) {
        return f.sampleRate() + " Hz, " + f.channels() + " ch, " + f.encoding().displayName();
    }

    private static String db(double v) {
        return Double.isInfinite(v) ? "  -inf dBFS" : String.format(Locale.ROOT, "%6.1f dBFS", v);
    }

}
