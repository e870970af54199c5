/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/**
 * {@code vocana run}: keeps the host running with the devices configured in the watched folder
 * (files {@code org.vocana.device-ID.cfg}) until it is stopped (Ctrl-C, SIGTERM).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the host: one virtual device per configuration file org.vocana.device-ID.cfg in load/",
            "(keys: id, name, sampleRate, channels, ioFrames, chain, fadeMs). Stop with Ctrl-C."})
final class RunCommand implements Callable<Integer> {

    private final CountDownLatch frameworkStopping;
    private final PrintStream err;

    RunCommand(CountDownLatch frameworkStopping, PrintStream err) {
        this.frameworkStopping = frameworkStopping;
        this.err = err;
    }

    @Override
    public Integer call() throws InterruptedException {
        err.println("vocana: host running; devices come from " + System.getProperty("felix.fileinstall.dir", "load")
                + " (Ctrl-C stops)");
        frameworkStopping.await();
        return 0;
    }
}
