/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.osgi.service.cm.ConfigurationAdmin;
import org.vocana.host.device.DefaultDevice;
import picocli.CommandLine.Command;

/**
 * {@code vocana run}: keeps the host running with the devices configured in the watched folder
 * (files {@code org.vocana.device-ID.cfg}) until it is stopped (Ctrl-C, SIGTERM).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the host with the virtual devices configured in load/.",
            "One device per file org.vocana.device-ID.cfg (keys: id, name, sampleRate, channels, ioFrames,",
            "chain, fadeMs, watchdogMs); with none, a default stereo 48 kHz device 'vocana'. Stop with Ctrl-C."})
final class RunCommand implements Callable<Integer> {

    private final CountDownLatch frameworkStopping;
    private final ConfigurationAdmin configurationAdmin;
    private final PrintStream err;

    RunCommand(CountDownLatch frameworkStopping, ConfigurationAdmin configurationAdmin, PrintStream err) {
        this.frameworkStopping = frameworkStopping;
        this.configurationAdmin = configurationAdmin;
        this.err = err;
    }

    @Override
    public Integer call() throws InterruptedException, IOException {
        Path watched = Path.of(System.getProperty("felix.fileinstall.dir", "load"));
        if (DefaultDevice.ensure(configurationAdmin, watched)) {
            err.println("vocana: no device configured in " + watched + "; running the default device '"
                    + DefaultDevice.ID + "' (stereo, 48 kHz)");
        }
        err.println("vocana: host running; devices come from " + watched + " (Ctrl-C stops)");
        frameworkStopping.await();
        return 0;
    }
}
