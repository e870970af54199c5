/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import java.util.Locale;

/**
 * How a device's region reaches the device side.
 * <ul>
 * <li>{@link #FILE}: a file in the user's 0700 runtime folder ({@link RegionDirectory}); the ALSA
 * plugin and the simulator run as the same user. The default on Linux.</li>
 * <li>{@link #SHARED_MEMORY}: the POSIX shared-memory object {@code /vocana.<id>}
 * ({@link DeviceRegion#createShared}). The default on macOS, where the HAL driver runs as
 * {@code _coreaudiod} in coreaudiod's sandbox and cannot open the user's files.</li>
 * </ul>
 * The system property {@value #PROPERTY} ({@code file} or {@code shm}) overrides the default.
 */
public enum RegionTransport {
    FILE,
    SHARED_MEMORY;

    public static final String PROPERTY = "vocana.region.transport";

    /** The transport for this process: {@value #PROPERTY} if set, else by operating system. */
    public static RegionTransport forThisSystem() throws RegionException {
        return choose(System.getProperty(PROPERTY), System.getProperty("os.name", ""));
    }

    /** Whether {@code os.name} names macOS ("Mac OS X"). */
    static boolean isMacOs(String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("mac");
    }

    static RegionTransport choose(String property, String osName) throws RegionException {
        if (property == null || property.isBlank()) {
            return isMacOs(osName) ? SHARED_MEMORY : FILE;
        }
        return switch (property.strip()) {
            case "file" -> FILE;
            case "shm" -> SHARED_MEMORY;
            default -> throw new RegionException(RegionError.ARG, "-D" + PROPERTY + "="
                    + RegionDirectory.printable(property) + " refused; accepted: file, shm");
        };
    }
}
