/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The device a host runs when the watched folder configures none: stereo, 48 kHz, 128-frame
 * blocks, id {@value #ID}, empty chain. It lives in Configuration Admin only (nothing is written to
 * the folder), so adding a device file later is the user's choice, not a merge.
 */
public final class DefaultDevice {

    /** Id of the default device. */
    public static final String ID = "vocana";

    private DefaultDevice() {
    }

    /**
     * Creates the default device's configuration unless {@code watched} holds a device file
     * ({@code org.vocana.device-*.cfg} or {@code .config}). Returns true if it created it.
     */
    public static boolean ensure(ConfigurationAdmin cm, Path watched) throws IOException {
        if (Files.isDirectory(watched)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(watched, DeviceConfig.PID + "-*.{cfg,config}")) {
                if (files.iterator().hasNext()) {
                    return false;
                }
            }
        }
        Configuration c = cm.getFactoryConfiguration(DeviceConfig.PID, "default", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("id", ID);
        props.put("name", "Vocana");
        props.put("sampleRate", 48_000);
        props.put("channels", 2);
        props.put("ioFrames", 128);
        props.put("chain", "");
        c.update(props);
        return true;
    }
}
