/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

/** A checked {@link DeviceConfig}: every value in range, with one-line errors saying what is accepted. */
public record DeviceSettings(String id, String name, int sampleRate, int channels, int ioFrames, String chain, int fadeFrames,
                             int watchdogMillis) {

    public static DeviceSettings of(DeviceConfig c) {
        String id = c.id();
        if (id == null || !id.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}")) {
            throw new IllegalArgumentException("device id '" + id + "' is not valid: accepted 1-31 of A-Z a-z 0-9 _ . -, not starting with '.'");
        }
        String where = "device '" + id + "': ";
        check(where + "sampleRate", c.sampleRate(), 8_000, 192_000);
        check(where + "channels", c.channels(), 1, 8);
        check(where + "ioFrames", c.ioFrames(), 16, 4096);
        if (!(c.fadeMs() >= 1 && c.fadeMs() <= 100)) {
            throw new IllegalArgumentException(where + "fadeMs " + c.fadeMs() + " is out of range: accepted 1..100");
        }
        check(where + "watchdogMs", c.watchdogMs(), 50, 900);
        String name = c.name() == null || c.name().isBlank() ? id : c.name();
        int fade = (int) Math.round(c.fadeMs() * c.sampleRate() / 1000);
        return new DeviceSettings(id, name, c.sampleRate(), c.channels(), c.ioFrames(),
                c.chain() == null ? "" : c.chain().strip(), fade, c.watchdogMs());
    }

    private static void check(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is out of range: accepted " + min + ".." + max);
        }
    }

    /** True if only the chain or the fade differ (the region can stay). */
    boolean sameFormat(DeviceSettings o) {
        return id.equals(o.id) && name.equals(o.name) && sampleRate == o.sampleRate && channels == o.channels
                && ioFrames == o.ioFrames && fadeFrames == o.fadeFrames && watchdogMillis == o.watchdogMillis;
    }
}
