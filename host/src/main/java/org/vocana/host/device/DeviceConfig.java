/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

/**
 * One virtual device, as Configuration Admin holds it: factory PID {@value #PID}, one
 * configuration per device (e.g. the file {@code load/org.vocana.device-mic.cfg}).
 */
public @interface DeviceConfig {

    /** The factory PID of device configurations. */
    String PID = "org.vocana.device";

    /** Device id: 1-31 of [A-Za-z0-9_.-], not starting with '.'; names the region file. */
    String id();

    /** Name shown to applications. */
    String name() default "Vocana";

    /** Frames per second, 8000-192000. */
    int sampleRate() default 48_000;

    /** Channels, 1-8. */
    int channels() default 2;

    /** The device's IO buffer in frames (the block the host processes), 16-4096. */
    int ioFrames() default 128;

    /** The chain, as a spec (id[:param=value...] joined by commas); empty passes audio through. */
    String chain() default "";

    /** Crossfade length for chain changes, in milliseconds (1-100). */
    double fadeMs() default 10;

    /**
     * How long the audio thread may stay inside one block before the watchdog replaces it, in
     * milliseconds (50-900; the device side plays silence after 1 s without a heartbeat).
     */
    int watchdogMs() default 300;
}
