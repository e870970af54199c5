/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One parameter of an effect. Values are doubles; {@link Scale#TOGGLE} parameters take 0 (off)
 * or 1 (on); a positive {@code step} restricts values to {@code min + k * step}.
 *
 * @param id camelCase identifier used in chain specs and configuration (e.g. {@code "gainDb"})
 * @param name human-readable name
 * @param unit unit symbol shown to users ({@code "dB"}, {@code "Hz"}, {@code "ms"}, or empty)
 * @param min smallest accepted value
 * @param max largest accepted value
 * @param defaultValue value after creation
 * @param scale how a control should map the range (and whether it is an on/off switch)
 * @param step 0 for a continuous parameter, otherwise the spacing of accepted values
 */
public record ParameterDescriptor(String id, String name, String unit, double min, double max,
                                  double defaultValue, Scale scale, double step) {

    /** How the range maps to a control. */
    public enum Scale {
        /** Evenly spaced values. */
        LINEAR,
        /** Logarithmic mapping (frequencies, times); {@code min} must be positive. */
        LOG,
        /** A switch: 0 is off, 1 is on. */
        TOGGLE
    }

    private static final Pattern ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9]{0,63}");

    public ParameterDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(scale, "scale");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("parameter id '" + id + "' is not valid: use 1-64 letters or digits, starting with a letter");
        }
        if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
            throw new IllegalArgumentException("parameter '" + id + "': range " + min + ".." + max + " is not a finite, ordered range");
        }
        if (!(step >= 0) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("parameter '" + id + "': step must be 0 or positive, not " + step);
        }
        if (scale == Scale.LOG && min <= 0) {
            throw new IllegalArgumentException("parameter '" + id + "': a LOG parameter needs a positive minimum");
        }
        if (scale == Scale.TOGGLE && (min != 0 || max != 1 || step != 1)) {
            throw new IllegalArgumentException("parameter '" + id + "': a TOGGLE parameter has range 0..1 and step 1");
        }
        String problem = problem(id, min, max, step, defaultValue);
        if (problem != null) {
            throw new IllegalArgumentException("default value: " + problem);
        }
    }

    /** A continuous parameter. */
    public static ParameterDescriptor continuous(String id, String name, String unit, double min, double max,
                                                 double defaultValue, Scale scale) {
        return new ParameterDescriptor(id, name, unit, min, max, defaultValue, scale, 0);
    }

    /** A parameter whose values are {@code min, min + step, ..., max}. */
    public static ParameterDescriptor stepped(String id, String name, String unit, double min, double max,
                                              double defaultValue, double step) {
        return new ParameterDescriptor(id, name, unit, min, max, defaultValue, Scale.LINEAR, step);
    }

    /** An on/off switch. */
    public static ParameterDescriptor toggle(String id, String name, boolean defaultOn) {
        return new ParameterDescriptor(id, name, "", 0, 1, defaultOn ? 1 : 0, Scale.TOGGLE, 1);
    }

    /**
     * Why {@code value} is not accepted, as one sentence naming what is accepted; {@code null} if
     * it is accepted. Does not allocate when the value is accepted.
     */
    public String check(double value) {
        return problem(id, min, max, step, value);
    }

    /** The accepted values, for messages and listings: e.g. {@code "-60..24 dB"}, {@code "2, 4"}, {@code "on/off"}. */
    public String acceptedValues() {
        return accepted(min, max, step, scale, unit);
    }

    private static String problem(String id, double min, double max, double step, double value) {
        if (Double.isNaN(value) || value < min || value > max) {
            return id + "=" + format(value) + " is out of range: accepted " + accepted(min, max, step, null, "");
        }
        if (step > 0) {
            double k = (value - min) / step;
            if (Math.abs(k - Math.rint(k)) > 1e-9) {
                return id + "=" + format(value) + " is not an accepted value: accepted " + accepted(min, max, step, null, "");
            }
        }
        return null;
    }

    private static String accepted(double min, double max, double step, Scale scale, String unit) {
        if (scale == Scale.TOGGLE) {
            return "on/off (1/0, true/false)";
        }
        String suffix = unit.isEmpty() ? "" : " " + unit;
        if (step > 0 && (max - min) / step <= 8) {
            StringBuilder sb = new StringBuilder();
            for (double v = min; v <= max + step * 1e-9; v += step) {
                if (!sb.isEmpty()) {
                    sb.append(", ");
                }
                sb.append(format(v));
            }
            return sb + suffix;
        }
        return format(min) + ".." + format(max) + (step > 0 ? " in steps of " + format(step) : "") + suffix;
    }

    /** Formats a value without a trailing ".0" for whole numbers. */
    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
