/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/**
 * {@code vocana shell}: keeps the host running with the interactive Gogo shell on the terminal
 * (the launcher starts Gogo headless for every other command). Returns when the framework stops:
 * {@code stop 0} or end of input in the shell.
 */
@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"Run the host with the interactive Gogo shell (try 'lb', 'scr:list', 'help').",
            "Leave with 'stop 0' or Ctrl-D."})
final class ShellCommand implements Callable<Integer> {

    private final CountDownLatch frameworkStopping;

    ShellCommand(CountDownLatch frameworkStopping) {
        this.frameworkStopping = frameworkStopping;
    }

    @Override
    public Integer call() throws InterruptedException {
        frameworkStopping.await();
        return 0;
    }
}
