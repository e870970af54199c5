/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.chain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.vocana.host.report.Text;

/**
 * A chain written as text: {@code id[:param=value...][:bypass][:optional]} joined by commas, e.g.
 * {@code highpass:cutoffHz=80,gain:gainDb=6:optional,limiter:ceilingDb=-1}. The flags are the
 * host's: {@code bypass} keeps the effect in the chain but does not run it; {@code optional} lets
 * the engine bypass it while the device is overloaded. Parsing checks only the syntax;
 * {@link ChainResolver} checks ids, parameters and values against installed effects.
 *
 * @param slots the effects in processing order
 */
public record ChainSpec(List<Slot> slots) {

    /** Syntax reminder used in every syntax error. */
    public static final String SYNTAX = "id[:param=value...][:bypass][:optional] joined by commas, e.g. highpass:cutoffHz=80,gain:gainDb=6";

    private static final Pattern EFFECT_ID = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern PARAM_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9]*");
    /** What a value may be made of: it must survive being written into a spec and read back. */
    private static final Pattern VALUE = Pattern.compile("[^,:=\\s\\p{Cntrl}]+");

    /**
     * One slot: an effect id, the parameter values given for it (as written, in order) and the
     * host's flags.
     */
    public record Slot(String effectId, Map<String, String> parameters, boolean bypass, boolean optional) {
        /**
         * @throws ChainSpecException if the id, a parameter name or a value could not be written
         *     back as a spec and read again as the same slot (a value such as {@code 3,denoise}
         *     would otherwise add effects when the spec is read back)
         */
        public Slot {
            if (effectId == null || !EFFECT_ID.matcher(effectId).matches()) {
                throw new ChainSpecException("'" + Text.abbreviate(String.valueOf(effectId))
                        + "' is not an effect id (lower-case letters, digits, '-')");
            }
            for (Map.Entry<String, String> e : parameters.entrySet()) {
                if (e.getKey() == null || !PARAM_ID.matcher(e.getKey()).matches()) {
                    throw new ChainSpecException(effectId + ": '" + Text.abbreviate(String.valueOf(e.getKey()))
                            + "' is not a parameter name (letters and digits, starting with a letter)");
                }
                if (e.getValue() == null || !VALUE.matcher(e.getValue()).matches()) {
                    throw new ChainSpecException(effectId + ": " + e.getKey() + "='" + Text.abbreviate(String.valueOf(e.getValue()))
                            + "' is not a value; accepted a number, or on/off for a switch (no ',' ':' '=' or spaces)");
                }
            }
            parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        public Slot(String effectId, Map<String, String> parameters) {
            this(effectId, parameters, false, false);
        }

        /** This slot with {@code name} set to {@code value} (added at the end if new). */
        public Slot with(String name, String value) {
            Map<String, String> p = new LinkedHashMap<>(parameters);
            p.put(name, value);
            return new Slot(effectId, p, bypass, optional);
        }

        /** This slot with the bypass flag set or cleared. */
        public Slot bypassed(boolean on) {
            return new Slot(effectId, parameters, on, optional);
        }
    }

    public ChainSpec {
        slots = List.copyOf(slots);
    }

    /** Parses a chain spec; throws {@link ChainSpecException} with a one-line message. */
    public static ChainSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ChainSpecException("empty chain spec; expected " + SYNTAX);
        }
        List<Slot> slots = new ArrayList<>();
        String[] parts = text.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty()) {
                throw new ChainSpecException("malformed chain spec '" + Text.abbreviate(text) + "': effect " + (i + 1)
                        + " is empty (stray comma?); expected " + SYNTAX);
            }
            String[] fields = part.split(":", -1);
            String id = fields[0].strip();
            if (!EFFECT_ID.matcher(id).matches()) {
                throw new ChainSpecException("malformed chain spec at '" + Text.abbreviate(part) + "': '" + Text.abbreviate(id)
                        + "' is not an effect id (lower-case letters, digits, '-'); expected " + SYNTAX);
            }
            Map<String, String> params = new LinkedHashMap<>();
            boolean bypass = false;
            boolean optional = false;
            for (int f = 1; f < fields.length; f++) {
                String assignment = fields[f].strip();
                if (assignment.equals("bypass") || assignment.equals("optional")) {
                    if (assignment.equals("bypass") ? bypass : optional) {
                        throw new ChainSpecException("chain spec at '" + Text.abbreviate(part) + "': flag '" + Text.abbreviate(assignment) + "' is given twice");
                    }
                    bypass |= assignment.equals("bypass");
                    optional |= assignment.equals("optional");
                    continue;
                }
                int eq = assignment.indexOf('=');
                if (eq <= 0 || eq == assignment.length() - 1) {
                    throw new ChainSpecException("malformed chain spec at '" + Text.abbreviate(part) + "': '" + Text.abbreviate(assignment)
                            + "' is not param=value or a flag (bypass, optional); expected " + SYNTAX);
                }
                String name = assignment.substring(0, eq).strip();
                String value = assignment.substring(eq + 1).strip();
                if (!PARAM_ID.matcher(name).matches() || value.isEmpty()) {
                    throw new ChainSpecException("malformed chain spec at '" + Text.abbreviate(part) + "': '" + Text.abbreviate(assignment)
                            + "' is not param=value or a flag (bypass, optional); expected " + SYNTAX);
                }
                if (params.putIfAbsent(name, value) != null) {
                    throw new ChainSpecException("chain spec at '" + Text.abbreviate(part) + "': parameter '" + name + "' is given twice");
                }
            }
            slots.add(new Slot(id, params, bypass, optional));
        }
        return new ChainSpec(slots);
    }

    /** The spec written back as text (canonical form). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Slot s : slots) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(s.effectId());
            s.parameters().forEach((k, v) -> sb.append(':').append(k).append('=').append(v));
            if (s.bypass()) {
                sb.append(":bypass");
            }
            if (s.optional()) {
                sb.append(":optional");
            }
        }
        return sb.toString();
    }
}
