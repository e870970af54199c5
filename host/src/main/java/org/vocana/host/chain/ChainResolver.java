/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.report.Text;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;

/**
 * Turns a {@link ChainSpec} into effect instances with their parameters set, checking every
 * id, parameter name and value against what is installed. Thread: control thread.
 */
public final class ChainResolver {

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private final EffectCatalog catalog;

    public ChainResolver(EffectCatalog catalog) {
        this.catalog = catalog;
    }

    /** A slot whose ids and values were checked: the descriptor and values by parameter index. */
    public record ResolvedSlot(EffectDescriptor descriptor, double[] values, boolean bypass, boolean optional) {
    }

    /** Checks the spec against the installed effects without creating instances. */
    public List<ResolvedSlot> check(ChainSpec spec) {
        List<EffectDescriptor> installed = catalog.descriptors();
        List<ResolvedSlot> resolved = new ArrayList<>();
        for (ChainSpec.Slot slot : spec.slots()) {
            EffectDescriptor d = installed.stream().filter(x -> x.id().equals(slot.effectId())).findFirst()
                    .orElseThrow(() -> new ChainSpecException("unknown effect '" + Text.abbreviate(slot.effectId())
                            + "'; installed effects: " + installed.stream().map(EffectDescriptor::id)
                            .collect(Collectors.joining(", "))));
            double[] values = new double[d.parameters().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = d.parameters().get(i).defaultValue();
            }
            for (Map.Entry<String, String> e : slot.parameters().entrySet()) {
                int index = d.indexOf(e.getKey());
                if (index < 0) {
                    throw new ChainSpecException("effect '" + d.id() + "' has no parameter '" + e.getKey()
                            + "'; its parameters: " + (d.parameters().isEmpty() ? "none"
                            : d.parameters().stream().map(ParameterDescriptor::id).collect(Collectors.joining(", "))));
                }
                values[index] = parseValue(d, d.parameters().get(index), e.getValue());
            }
            resolved.add(new ResolvedSlot(d, values, slot.bypass(), slot.optional()));
        }
        return resolved;
    }

    /**
     * Creates one instance per slot with its parameters set. On failure every instance created
     * so far is released and a {@link ChainSpecException} is thrown.
     */
    public List<EffectInstance> instantiate(ChainSpec spec) {
        List<ResolvedSlot> slots = check(spec);
        List<EffectInstance> instances = new ArrayList<>();
        try {
            for (ResolvedSlot slot : slots) {
                String id = slot.descriptor().id();
                EffectInstance instance = catalog.create(id)
                        .orElseThrow(() -> new ChainSpecException("effect '" + id + "' was uninstalled while building the chain"));
                instances.add(instance);
                instance.flags(slot.bypass(), slot.optional());
                for (int i = 0; i < slot.values().length; i++) {
                    instance.effect().setParameter(i, slot.values()[i]);
                }
            }
            return instances;
        } catch (RuntimeException e) {
            instances.forEach(EffectInstance::close);
            throw e;
        }
    }

    /** Parses a value as written in a spec: a decimal number, or on/off words for switches. */
    static double parseValue(EffectDescriptor effect, ParameterDescriptor p, String text) {
        double value;
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (p.scale() == ParameterDescriptor.Scale.TOGGLE && !NUMBER.matcher(t).matches()) {
            value = switch (t) {
                case "on", "true", "yes" -> 1;
                case "off", "false", "no" -> 0;
                default -> throw new ChainSpecException(effect.id() + ": " + p.id() + "='" + Text.abbreviate(text)
                        + "' is not a switch value; accepted " + p.acceptedValues());
            };
        } else if (NUMBER.matcher(t).matches()) {
            value = Double.parseDouble(t);
        } else {
            throw new ChainSpecException(effect.id() + ": " + p.id() + "='" + Text.abbreviate(text) + "' is not a number; accepted "
                    + p.acceptedValues());
        }
        String problem = p.check(value);
        if (problem != null) {
            throw new ChainSpecException(effect.id() + ": " + problem + (p.unit().isEmpty() ? "" : " " + p.unit()));
        }
        return value;
    }
}
