/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.sdk.EffectDescriptor;
import org.vocana.sdk.ParameterDescriptor;
import picocli.CommandLine.Command;

/** {@code vocana effects}: lists installed effects with their parameters. */
@Command(name = "effects", mixinStandardHelpOptions = true,
        description = "List the installed effects with their parameters, accepted values and defaults.")
final class EffectsCommand implements Callable<Integer> {

    private final EffectCatalog catalog;
    private final PrintStream out;

    EffectsCommand(EffectCatalog catalog, PrintStream out) {
        this.catalog = catalog;
        this.out = out;
    }

    @Override
    public Integer call() {
        var effects = catalog.descriptors();
        if (effects.isEmpty()) {
            out.println("No effects are installed.");
            return 0;
        }
        for (EffectDescriptor d : effects) {
            out.printf("%s  %s %s (%s)%n", d.id(), d.name(), d.version(), d.vendor());
            if (d.parameters().isEmpty()) {
                out.println("    (no parameters)");
            }
            for (ParameterDescriptor p : d.parameters()) {
                String def = p.scale() == ParameterDescriptor.Scale.TOGGLE
                        ? (p.defaultValue() != 0 ? "on" : "off")
                        : ParameterDescriptor.format(p.defaultValue()) + (p.unit().isEmpty() ? "" : " " + p.unit());
                out.printf("    %-12s %-24s default %-10s %s%n", p.id(), p.acceptedValues(), def, p.name());
            }
        }
        return 0;
    }
}
