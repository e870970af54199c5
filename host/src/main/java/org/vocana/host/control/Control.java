/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.vocana.host.chain.ChainResolver;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.device.Device;
import org.vocana.host.device.DeviceSettings;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.presets.Preset;
import org.vocana.host.report.Reports;
import org.vocana.host.report.Text;

/**
 * The control commands of a running host, shared by the Gogo shell and the {@code vocana} CLI
 * (through the control socket): list devices, show or change a chain (insert, remove, move,
 * bypass, set parameters, re-enable), list and apply presets, show stats.
 *
 * <p>Every change goes through the device's configuration (one mechanism for files, shell and
 * CLI): the device applies parameter and bypass changes live and other changes with a
 * crossfade. Positions are 1-based, or an effect id that occurs once in the chain. Bad input
 * throws {@link IllegalArgumentException} with a one-line message saying what is accepted.
 */
@Component(service = Control.class)
public final class Control {

    /** One line per command, for help texts. */
    public static final List<String> USAGE = List.of(
            "devices                              the running devices",
            "chain DEVICE [SPEC|none]             show or replace the chain",
            "insert DEVICE POSITION EFFECT[:p=v]  insert an effect (POSITION 1..n+1 or 'end')",
            "remove DEVICE POSITION               remove an effect",
            "move DEVICE FROM TO                  move an effect",
            "bypass DEVICE POSITION [on|off]      bypass an effect (fades; 'off' brings it back)",
            "set DEVICE POSITION PARAM=VALUE...   set parameters (smoothed by the effect)",
            "enable DEVICE POSITION               re-enable an effect disabled after faults",
            "presets                              the installed presets",
            "preset DEVICE NAME                   apply a preset",
            "stats [DEVICE]                       block time, xruns, faults, per-effect time");

    private final ConfigurationAdmin configurationAdmin;
    private final EffectCatalog catalog;
    private final List<Device> devices = new CopyOnWriteArrayList<>();
    private final List<Preset> presets = new CopyOnWriteArrayList<>();
    /** Held while a control edit reads, changes and writes a device's configuration. */
    private final Object edits = new Object();

    @Activate
    public Control(@Reference ConfigurationAdmin configurationAdmin, @Reference EffectCatalog catalog) {
        this.configurationAdmin = configurationAdmin;
        this.catalog = catalog;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addDevice(Device device) {
        devices.add(device);
    }

    public void removeDevice(Device device) {
        devices.remove(device);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addPreset(Preset preset) {
        presets.add(preset);
    }

    public void removePreset(Preset preset) {
        presets.remove(preset);
    }

    /**
     * Runs a command given as words (the CLI's arguments after {@code vocana}). Returns its
     * output; throws {@link IllegalArgumentException} for bad input.
     */
    public String run(List<String> words) throws IOException, InvalidSyntaxException {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("missing command; accepted: " + commandNames());
        }
        String command = words.get(0);
        List<String> a = words.subList(1, words.size());
        return switch (command) {
            case "devices" -> arity(command, a, 0, 0) ? devices() : "";
            case "chain" -> arity(command, a, 1, 2) ? (a.size() == 1 ? chain(a.get(0)) : chain(a.get(0), a.get(1))) : "";
            case "insert" -> arity(command, a, 3, 3) ? insert(a.get(0), a.get(1), a.get(2)) : "";
            case "remove" -> arity(command, a, 2, 2) ? remove(a.get(0), a.get(1)) : "";
            case "move" -> arity(command, a, 3, 3) ? move(a.get(0), a.get(1), a.get(2)) : "";
            case "bypass" -> arity(command, a, 2, 3) ? bypass(a.get(0), a.get(1), a.size() == 3 ? a.get(2) : "on") : "";
            case "set" -> arity(command, a, 3, Integer.MAX_VALUE) ? set(a.get(0), a.get(1), a.subList(2, a.size())) : "";
            case "enable" -> arity(command, a, 2, 2) ? enable(a.get(0), a.get(1)) : "";
            case "presets" -> arity(command, a, 0, 0) ? presets() : "";
            case "preset" -> arity(command, a, 2, 2) ? preset(a.get(0), a.get(1)) : "";
            case "stats" -> arity(command, a, 0, 1) ? (a.isEmpty() ? stats() : stats(a.get(0))) : "";
            default -> throw new IllegalArgumentException("unknown command '" + command + "'; accepted: " + commandNames());
        };
    }

    private static String commandNames() {
        return USAGE.stream().map(u -> u.substring(0, u.indexOf(' '))).collect(Collectors.joining(", "));
    }

    private static boolean arity(String command, List<String> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            String usage = USAGE.stream().filter(u -> u.startsWith(command + " ")).findFirst().orElse(command)
                    .replaceAll("\\s{2,}.*", "");
            throw new IllegalArgumentException("usage: " + usage);
        }
        return true;
    }

    /** One line per running device. */
    public String devices() {
        if (devices.isEmpty()) {
            return "no devices are running";
        }
        return sorted().stream().map(Device::describe).collect(Collectors.joining("\n"));
    }

    /** The device's chain spec. */
    public String chain(String id) {
        String chain = device(id).chain();
        return chain.isEmpty() ? "(empty: audio passes through)" : chain;
    }

    /** Replaces the device's chain ({@code none}: pass-through); every effect must be installed. */
    public String chain(String id, String spec) throws IOException, InvalidSyntaxException {
        if ("none".equals(spec)) {
            return edit(id, slots -> {
                slots.clear();
                return id + ": chain cleared (crossfaded out)";
            });
        }
        ChainSpec parsed = ChainSpec.parse(spec);
        new ChainResolver(catalog).check(parsed);
        return edit(id, slots -> {
            slots.clear();
            slots.addAll(parsed.slots());
            return id + ": chain set to " + parsed + " (crossfaded in)";
        });
    }

    /** Inserts {@code slotSpec} (one effect with parameters) before {@code position}. */
    public String insert(String id, String position, String slotSpec) throws IOException, InvalidSyntaxException {
        ChainSpec one = ChainSpec.parse(slotSpec);
        if (one.slots().size() != 1) {
            throw new IllegalArgumentException("insert takes one effect, not " + one.slots().size() + " ('"
                    + Text.abbreviate(slotSpec) + "')");
        }
        new ChainResolver(catalog).check(one);
        return edit(id, slots -> {
            int at = "end".equals(position) ? slots.size() : number(position, slots.size() + 1) - 1;
            slots.add(at, one.slots().get(0));
            return id + ": inserted " + one + " at position " + (at + 1) + "; chain " + new ChainSpec(slots);
        });
    }

    /** Removes the effect at {@code position}. */
    public String remove(String id, String position) throws IOException, InvalidSyntaxException {
        return edit(id, slots -> {
            int at = position(slots, position);
            ChainSpec.Slot removed = slots.remove(at);
            return id + ": removed " + removed.effectId() + " from position " + (at + 1) + "; chain "
                    + (slots.isEmpty() ? "empty" : new ChainSpec(slots).toString());
        });
    }

    /** Moves the effect at {@code from} to position {@code to}. */
    public String move(String id, String from, String to) throws IOException, InvalidSyntaxException {
        return edit(id, slots -> {
            int a = position(slots, from);
            int b = number(to, slots.size()) - 1;
            ChainSpec.Slot moved = slots.remove(a);
            slots.add(b, moved);
            return id + ": moved " + moved.effectId() + " to position " + (b + 1) + "; chain " + new ChainSpec(slots);
        });
    }

    /** Bypasses the effect at {@code position} ({@code on}) or brings it back ({@code off}). */
    public String bypass(String id, String position, String onOff) throws IOException, InvalidSyntaxException {
        boolean on = switch (onOff.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("bypass takes on or off, not '" + Text.abbreviate(onOff) + "'");
        };
        return edit(id, slots -> {
            int at = position(slots, position);
            slots.set(at, slots.get(at).bypassed(on));
            return id + ": " + slots.get(at).effectId() + " (position " + (at + 1) + ") " + (on ? "bypassed" : "back in");
        });
    }

    /**
     * Sets parameters ({@code param=value}) of the effect at {@code position}. A value is parsed as
     * a value of that parameter (a number, or on/off for a switch): text such as
     * {@code 3,denoise} is refused, it can never add an effect.
     */
    public String set(String id, String position, List<String> assignments) throws IOException, InvalidSyntaxException {
        return edit(id, slots -> {
            int at = position(slots, position);
            ChainSpec.Slot slot = slots.get(at);
            for (String assignment : assignments) {
                int eq = assignment.indexOf('=');
                if (eq <= 0 || eq == assignment.length() - 1) {
                    throw new IllegalArgumentException("'" + Text.abbreviate(assignment) + "' is not param=value");
                }
                slot = slot.with(assignment.substring(0, eq).strip(), assignment.substring(eq + 1).strip());
            }
            if (catalog.descriptor(slot.effectId()).isEmpty()) {
                throw new IllegalArgumentException("effect '" + slot.effectId() + "' is not installed; its parameters cannot be checked");
            }
            ChainSpec one = new ChainSpec(List.of(slot));
            new ChainResolver(catalog).check(one); // the values as they are, never re-parsed from text
            slots.set(at, slot);
            return id + ": " + one + " (position " + (at + 1) + ")";
        });
    }

    /** Lets the effect at {@code position}, disabled after repeated faults, run again. */
    public String enable(String id, String position) {
        Device device = device(id);
        List<ChainSpec.Slot> slots = device.spec() == null ? List.of() : device.spec().slots();
        int at = position(new ArrayList<>(slots), position);
        device.enable(at);
        return id + ": " + slots.get(at).effectId() + " (position " + (at + 1) + ") enabled";
    }

    /** The installed presets, one per line. */
    public String presets() {
        if (presets.isEmpty()) {
            return "no presets are installed (preset bundles deliver them: drop one into load/)";
        }
        return presets.stream().sorted(Comparator.comparing(Preset::name))
                .map(p -> String.format(Locale.ROOT, "%-12s %s%n             %s", p.name(), p.description(), p.chain()))
                .collect(Collectors.joining("\n"));
    }

    /** Applies preset {@code name} to the device; effects not installed yet are left out until they are. */
    public String preset(String id, String name) throws IOException, InvalidSyntaxException {
        Preset preset = presets.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no preset '" + name + "'; installed: "
                        + (presets.isEmpty() ? "none" : presets.stream().map(Preset::name).sorted()
                        .collect(Collectors.joining(", ")))));
        ChainSpec spec = ChainSpec.parse(preset.chain());
        List<String> missing = new ArrayList<>();
        List<ChainSpec.Slot> installed = new ArrayList<>();
        for (ChainSpec.Slot s : spec.slots()) {
            if (catalog.descriptor(s.effectId()).isPresent()) {
                installed.add(s);
            } else {
                missing.add(s.effectId());
            }
        }
        if (!installed.isEmpty()) {
            new ChainResolver(catalog).check(new ChainSpec(installed));
        }
        return edit(id, slots -> {
            slots.clear();
            slots.addAll(spec.slots());
            return id + ": preset " + name + " applied: " + spec
                    + (missing.isEmpty() ? "" : " (not installed, left out until installed: " + String.join(", ", missing) + ")");
        });
    }

    /** Stats of every device. */
    public String stats() {
        if (devices.isEmpty()) {
            return "no devices are running";
        }
        return sorted().stream().map(d -> d.stats().describe()).collect(Collectors.joining("\n"));
    }

    /** Stats of one device. */
    public String stats(String id) {
        return device(id).stats().describe();
    }

    private List<Device> sorted() {
        return devices.stream().sorted(Comparator.comparing(Device::id)).toList();
    }

    /** A 1-based position or an effect id that occurs once; returns the 0-based index. */
    static int position(List<ChainSpec.Slot> slots, String ref) {
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("the chain is empty");
        }
        if (ref.matches("\\d+")) {
            return number(ref, slots.size()) - 1;
        }
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).effectId().equals(ref)) {
                found.add(i);
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new IllegalArgumentException(found.isEmpty()
                ? "no effect '" + ref + "' in the chain " + new ChainSpec(slots) + "; give a position 1.." + slots.size() + " or an effect id"
                : "effect '" + ref + "' occurs " + found.size() + " times in the chain; give its position 1.." + slots.size());
    }

    private static int number(String text, int max) {
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException("position '" + text + "' is out of range: accepted 1.." + max);
        }
        return n;
    }

    private Device device(String id) {
        return devices.stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no device '" + id + "'; running: "
                        + (devices.isEmpty() ? "none"
                        : devices.stream().map(Device::id).sorted().collect(Collectors.joining(", ")))));
    }

    /** An edit of a chain: changes the list of slots in place, returns the command's output. */
    @FunctionalInterface
    private interface ChainEdit {
        String apply(List<ChainSpec.Slot> slots);
    }

    /**
     * An atomic read-modify-write of the device's configuration: under one lock (every control
     * command goes through this one component, so no two edits interleave), reads the chain the
     * configuration holds now (not the running chain, which follows it a moment later), lets
     * {@code edit} change it, checks the whole configuration as the device will, and writes it
     * back. Nothing is written when the edit or the check fails.
     */
    private String edit(String id, ChainEdit edit) throws IOException, InvalidSyntaxException {
        Device device = device(id);
        synchronized (edits) {
            Configuration c = configuration(device);
            Dictionary<String, Object> props = c.getProperties();
            Object text = props.get("chain");
            List<ChainSpec.Slot> slots;
            try {
                slots = text == null || text.toString().isBlank() ? new ArrayList<>()
                        : new ArrayList<>(ChainSpec.parse(text.toString()).slots());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("device '" + id + "': the chain in its configuration is not accepted ("
                        + e.getMessage() + "); fix " + source(c) + " first");
            }
            String output = edit.apply(slots);
            props.put("chain", slots.isEmpty() ? "" : new ChainSpec(slots).toString());
            java.util.Map<String, Object> check = new java.util.HashMap<>();
            for (var keys = props.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                check.put(k, props.get(k));
            }
            try {
                DeviceSettings.parse(check);
            } catch (DeviceSettings.Problem e) {
                throw new IllegalStateException("device '" + id + "': its configuration is not accepted (" + e.getMessage()
                        + "); fix " + source(c) + " first");
            }
            c.update(props);
            return output;
        }
    }

    private static String source(Configuration c) {
        Dictionary<String, Object> p = c.getProperties();
        return Reports.source(p == null ? null : p.get("felix.fileinstall.filename"), c.getPid());
    }

    private Configuration configuration(Device device) throws IOException, InvalidSyntaxException {
        String pid = device.pid();
        if (pid == null || !pid.matches("[A-Za-z0-9_.~-]+")) {
            throw new IllegalStateException("device '" + device.id() + "' has no configuration to change");
        }
        Configuration[] found = configurationAdmin.listConfigurations("(service.pid=" + pid + ")");
        if (found == null || found.length != 1 || found[0].getProperties() == null) {
            throw new IllegalStateException("device '" + device.id() + "' has no configuration to change");
        }
        return found[0];
    }
}
