/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.chain.ChainSpecException;
import org.vocana.host.report.Text;

/**
 * A checked device configuration (the keys of {@link DeviceConfig}): every value in range. What is
 * not accepted is a {@link Problem} naming the key, the value as given and what is accepted, so the
 * one line reporting it needs nothing else.
 */
public record DeviceSettings(String id, String name, int sampleRate, int channels, int ioFrames, String chain, int fadeFrames,
                             int watchdogMillis) {

    /** The keys a device configuration may have. */
    public static final List<String> KEYS = List.of("id", "name", "sampleRate", "channels", "ioFrames", "chain", "fadeMs",
            "watchdogMs");
    /** Longest chain value accepted, in characters. */
    public static final int MAX_CHAIN_CHARS = 4096;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,18}");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d{1,18}(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,3})?");

    /**
     * A value that is not accepted: {@code key}, the value as given (null: missing), what is
     * accepted. {@link #getMessage} is {@code key 'value': not accepted (accepted: ...)}, with the
     * value shortened to {@value org.vocana.host.report.Text#MAX_VALUE_CHARS} characters and control characters escaped.
     */
    public static final class Problem extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String key;

        public Problem(String key, Object value, String accepted) {
            super(Text.abbreviate(key) + (value == null ? " is missing" : " " + Text.quote(value) + ": not accepted")
                    + " (accepted: " + accepted + ")");
            this.key = key;
        }

        public Problem(String key, Object value, String why, String accepted) {
            super(Text.abbreviate(key) + " " + Text.quote(value) + ": " + why + " (accepted: " + accepted + ")");
            this.key = key;
        }

        /** The configuration key. */
        public String key() {
            return key;
        }
    }

    /**
     * Checks a device configuration's properties as Configuration Admin delivers them (strings
     * from a {@code .cfg} file, or typed values). Keys Configuration Admin, SCR or FileInstall add
     * (service.*, component.*, felix.*, osgi.*, *.target) are ignored; any other unknown key is a problem (a typo such
     * as {@code sampleRat} would otherwise pass silently).
     *
     * @throws Problem for the first key that is not accepted
     */
    public static DeviceSettings parse(Map<String, ?> p) {
        for (String key : p.keySet()) {
            if (!KEYS.contains(key) && !key.startsWith("service.") && !key.startsWith("component.")
                    && !key.startsWith("felix.") && !key.startsWith("osgi.") && !key.endsWith(".target")
                    && !key.startsWith(".")) {
                throw new Problem(key, p.get(key), "an unknown key", "the keys " + String.join(", ", KEYS));
            }
        }
        Object rawId = p.get("id");
        String idText = string("id", rawId);
        if (idText == null || !ID.matcher(idText).matches()) {
            throw new Problem("id", rawId, "1-31 of A-Z a-z 0-9 _ . -, not starting with '.'");
        }
        String name = string("name", p.get("name"));
        if (name != null && (name.getBytes(StandardCharsets.UTF_8).length > 63 || name.chars().anyMatch(Character::isISOControl))) {
            throw new Problem("name", name, "at most 63 bytes of UTF-8 text without control characters");
        }
        int rate = integer(p, "sampleRate", 48_000, 8_000, 192_000);
        int channels = integer(p, "channels", 2, 1, 8);
        int ioFrames = integer(p, "ioFrames", 128, 16, 4096);
        String chain = string("chain", p.get("chain"));
        chain = chain == null ? "" : chain.strip();
        if (chain.length() > MAX_CHAIN_CHARS) {
            throw new Problem("chain", chain, "longer than " + MAX_CHAIN_CHARS + " characters",
                    "a chain of at most " + MAX_CHAIN_CHARS + " characters");
        }
        if (!chain.isEmpty()) {
            try {
                ChainSpec.parse(chain);
            } catch (ChainSpecException e) {
                throw new Problem("chain", chain, e.getMessage().replace("; expected " + ChainSpec.SYNTAX, ""), ChainSpec.SYNTAX);
            }
        }
        double fadeMs = decimal(p, "fadeMs", 10, 1, 100);
        int watchdog = integer(p, "watchdogMs", 300, 50, 900);
        String shown = name == null || name.isBlank() ? idText : name;
        int fade = (int) Math.round(fadeMs * rate / 1000);
        return new DeviceSettings(idText, shown, rate, channels, ioFrames, chain, fade, watchdog);
    }

    private static String string(String key, Object v) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new Problem(key, v, "text");
    }

    private static int integer(Map<String, ?> p, String key, int dflt, int min, int max) {
        Object v = p.get(key);
        if (v == null) {
            return dflt;
        }
        long n;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            n = ((Number) v).longValue();
        } else if (v instanceof String s && INTEGER.matcher(s.strip()).matches()) {
            n = Long.parseLong(s.strip());
        } else {
            throw new Problem(key, v, "an integer " + min + ".." + max);
        }
        if (n < min || n > max) {
            throw new Problem(key, v, "an integer " + min + ".." + max);
        }
        return (int) n;
    }

    private static double decimal(Map<String, ?> p, String key, double dflt, double min, double max) {
        Object v = p.get(key);
        if (v == null) {
            return dflt;
        }
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s && DECIMAL.matcher(s.strip()).matches()) {
            d = Double.parseDouble(s.strip());
        } else {
            throw new Problem(key, v, "a number " + Text.number(min) + ".." + Text.number(max));
        }
        if (!(d >= min && d <= max)) {
            throw new Problem(key, v, "a number " + Text.number(min) + ".." + Text.number(max));
        }
        return d;
    }

    /** True if only the chain or the fade differ (the region can stay). */
    boolean sameFormat(DeviceSettings o) {
        return id.equals(o.id) && name.equals(o.name) && sampleRate == o.sampleRate && channels == o.channels
                && ioFrames == o.ioFrames && fadeFrames == o.fadeFrames && watchdogMillis == o.watchdogMillis;
    }
}
