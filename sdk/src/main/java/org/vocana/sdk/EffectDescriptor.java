/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an effect is: a stable id (what users type in chain specs), a display name, the vendor,
 * a version and the parameters. Immutable.
 *
 * @param id lower-case letters, digits and '-', starting with a letter (e.g. {@code "gain"})
 * @param name human-readable name
 * @param vendor who made it
 * @param version the effect's version, e.g. {@code "1.0.0"}
 * @param parameters parameters in index order; ids unique
 */
public record EffectDescriptor(String id, String name, String vendor, String version,
                               List<ParameterDescriptor> parameters) {

    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    public EffectDescriptor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(version, "version");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("effect id '" + id
                    + "' is not valid: use 1-64 lower-case letters, digits or '-', starting with a letter");
        }
        parameters = List.copyOf(parameters);
        Set<String> seen = new HashSet<>();
        for (ParameterDescriptor p : parameters) {
            if (!seen.add(p.id())) {
                throw new IllegalArgumentException("effect '" + id + "' declares parameter '" + p.id() + "' twice");
            }
        }
    }

    /** Index of the parameter with this id, or -1. */
    public int indexOf(String parameterId) {
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).id().equals(parameterId)) {
                return i;
            }
        }
        return -1;
    }

    /** The parameter with this id, if declared. */
    public Optional<ParameterDescriptor> parameter(String parameterId) {
        int i = indexOf(parameterId);
        return i < 0 ? Optional.empty() : Optional.of(parameters.get(i));
    }
}
