/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import org.osgi.service.cm.ConfigurationAdmin;
import org.vocana.host.chain.ChainSpecException;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.wav.WavException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vocana} command line: subcommands, one-line errors and exit codes. */
@Command(name = "vocana", mixinStandardHelpOptions = true,
        description = "Vocana real-time voice-processing host.",
        footer = {"", "Exit codes: 0 done, 1 bad input file or I/O error, 2 bad command line or chain,",
            "3 targets missed (eval --check), 70 internal error."})
public final class VocanaCommand implements Runnable {

    /** Bad input file or I/O failure. */
    public static final int EXIT_INPUT = 1;
    /** Bad command line, including a bad chain spec. */
    public static final int EXIT_USAGE = 2;
    /** A bug: an unexpected exception. */
    public static final int EXIT_INTERNAL = 70;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command; try 'vocana --help'");
    }

    /** Parses and runs {@code args}; returns the exit code. */
    public static int run(String[] args, EffectCatalog catalog, ConfigurationAdmin configurationAdmin, String version,
                          CountDownLatch frameworkStopping, org.osgi.framework.BundleContext context, PrintStream out,
                          PrintStream err) {
        CommandLine cl = new CommandLine(new VocanaCommand());
        cl.getCommandSpec().version("vocana " + version);
        cl.addSubcommand("process", new ProcessCommand(catalog, out, err));
        cl.addSubcommand("effects", new EffectsCommand(catalog, out));
        cl.addSubcommand("demo", new DemoCommand(catalog, configurationAdmin, out, err));
        cl.addSubcommand("run", new RunCommand(frameworkStopping, configurationAdmin, err));
        cl.addSubcommand("shell", new ShellCommand(frameworkStopping));
        cl.addSubcommand("validate", new ValidateCommand(context, out, err));
        cl.addSubcommand("eval", new EvalCommand(catalog, out, err));
        for (String usage : org.vocana.host.control.Control.USAGE) {
            String name = usage.substring(0, usage.indexOf(' '));
            CommandLine sub = new CommandLine(new RemoteCommand(name, out, err));
            sub.getCommandSpec().usageMessage()
                    .customSynopsis("vocana " + usage.replaceAll("\\s{2,}.*", ""))
                    .description(usage.replaceAll("^.*?\\s{2,}", "") + " (on the running host)");
            cl.addSubcommand(name, sub);
        }
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> {
            String where = e.getCommandLine().getCommandName();
            err.println(("vocana".equals(where) ? "vocana: " : "vocana " + where + ": ") + oneLine(e.getMessage())
                    + " (see 'vocana" + ("vocana".equals(where) ? "" : " " + where) + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, c, parseResult) -> {
            String where = "vocana " + c.getCommandName() + ": ";
            if (e instanceof ChainSpecException || e instanceof IllegalArgumentException) {
                err.println(where + oneLine(e.getMessage()));
                return EXIT_USAGE;
            }
            if (e instanceof WavException || e instanceof java.io.IOException) {
                err.println(where + oneLine(e.getMessage()));
                return EXIT_INPUT;
            }
            err.println(where + "internal error: " + e);
            e.printStackTrace(err);
            return EXIT_INTERNAL;
        });
        return cl.execute(args);
    }

    static String oneLine(String message) {
        return message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
