/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import org.vocana.host.offline.OfflineProcessor;

/** A one-line progress bar on stderr, redrawn at most ten times a second; only on a terminal. */
final class ProgressBar implements OfflineProcessor.Progress {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    private ProgressBar(PrintStream err) {
        this.err = err;
    }

    /** A bar if stdin and stdout are a terminal (and not under CI), else null. */
    static ProgressBar forTerminal(PrintStream err) {
        Console console = System.console();
        if (console == null || !console.isTerminal() || System.getenv("CI") != null) {
            return null;
        }
        return new ProgressBar(err);
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        double elapsed = (now - start) / 1e9;
        // the remaining time is shown once there is enough progress to estimate it
        String eta = fraction < 0.02 ? "          " : String.format(Locale.ROOT, "eta %5.1f s", elapsed * (1 - fraction) / fraction);
        err.printf(Locale.ROOT, "\r[%s%s] %3d%%  %s ", "#".repeat(filled), "-".repeat(WIDTH - filled),
                Math.round(fraction * 100), eta);
        err.flush();
        drawn = true;
    }

    /** Clears the bar's line. */
    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(WIDTH + 24) + "\r");
            err.flush();
        }
    }
}
