/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vocana.host.control.ControlClient;
import org.vocana.host.control.ControlProtocol;
import org.vocana.host.ring.RegionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * A control command sent to the running host over its control socket ({@code vocana devices},
 * {@code vocana chain mic}, {@code vocana set mic gain gainDb=3}, ...): prints the host's answer
 * and exits with its status (0 done, 1 failed or no host, 2 bad request).
 */
@Command(mixinStandardHelpOptions = true)
final class RemoteCommand implements Callable<Integer> {

    private final String name;
    private final PrintStream out;
    private final PrintStream err;

    @Parameters(arity = "0..*", paramLabel = "ARG")
    private List<String> args = new ArrayList<>();

    RemoteCommand(String name, PrintStream out, PrintStream err) {
        this.name = name;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException, RegionException {
        List<String> words = new ArrayList<>();
        words.add(name);
        words.addAll(args);
        ControlClient.Response r = ControlClient.send(ControlProtocol.socketPath(), words);
        if (r.status() == 0) {
            out.println(r.text());
        } else {
            err.println("vocana " + name + ": " + VocanaCommand.oneLine(r.text()));
        }
        return r.status();
    }
}
