/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainSpec;
import org.vocana.host.chain.ChainSpecException;
import org.vocana.host.device.DefaultDevice;
import org.vocana.host.device.Device;
import org.vocana.host.device.DeviceStats;
import org.vocana.host.presets.Preset;

class ControlTest {

    private final FakeConfigurationAdmin cm = new FakeConfigurationAdmin();
    private final Control control = new Control(cm, TestCatalog.builtIns());
    private final List<Integer> enabled = new ArrayList<>();

    /** A device whose chain is what its configuration says (as the real one, a moment later). */
    private Device device(String id, FakeConfigurationAdmin.Config config) {
        return new Device() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String pid() {
                return config.getPid();
            }

            @Override
            public int latencyFrames() {
                return 0;
            }

            @Override
            public long blocks() {
                return 7;
            }

            @Override
            public String chain() {
                return (String) config.getProperties().get("chain");
            }

            @Override
            public ChainSpec spec() {
                return chain().isEmpty() ? null : ChainSpec.parse(chain());
            }

            @Override
            public DeviceStats stats() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void enable(int index) {
                enabled.add(index);
            }

            @Override
            public String describe() {
                return id + " (described)";
            }
        };
    }

    private FakeConfigurationAdmin.Config configured(String id, String chain) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("id", id);
        props.put("chain", chain);
        FakeConfigurationAdmin.Config c = cm.add("org.vocana.device", id, props);
        control.addDevice(device(id, c));
        return c;
    }

    private String run(String... words) throws Exception {
        return control.run(List.of(words));
    }

    @Test
    void listsDevicesSortedById() throws Exception {
        assertEquals("no devices are running", run("devices"));
        configured("mic", "");
        configured("cam", "gain");
        assertEquals("cam (described)\nmic (described)", run("devices"));
    }

    @Test
    void showsAndChangesAChainThroughTheDevicesConfiguration() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "");
        assertEquals("(empty: audio passes through)", run("chain", "mic"));
        assertEquals("mic: chain set to highpass:cutoffHz=100,gain:gainDb=3 (crossfaded in)",
                run("chain", "mic", " highpass:cutoffHz=100 , gain:gainDb=3"));
        assertEquals("highpass:cutoffHz=100,gain:gainDb=3", mic.getProperties().get("chain"));
        assertEquals("mic", mic.getProperties().get("id"), "other properties are kept");
        assertEquals("mic: chain cleared (crossfaded out)", run("chain", "mic", "none"));
        assertEquals("", mic.getProperties().get("chain"));
        assertEquals(2, mic.updates);
    }

    @Test
    void editsTheChainByPositionOrEffectId() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "highpass,limiter");
        assertEquals("mic: inserted gain:gainDb=6 at position 2; chain highpass,gain:gainDb=6,limiter",
                run("insert", "mic", "2", "gain:gainDb=6"));
        assertEquals("mic: gain:gainDb=-3 (position 2)",
                run("set", "mic", "gain", "gainDb=-3"));
        assertEquals("mic: gain (position 2) bypassed", run("bypass", "mic", "2"));
        assertEquals("highpass,gain:gainDb=-3:bypass,limiter", mic.getProperties().get("chain"));
        assertEquals("mic: gain (position 2) back in", run("bypass", "mic", "gain", "off"));
        assertEquals("mic: moved limiter to position 1; chain limiter,highpass,gain:gainDb=-3",
                run("move", "mic", "limiter", "1"));
        assertEquals("mic: removed highpass from position 2; chain limiter,gain:gainDb=-3", run("remove", "mic", "2"));
        assertEquals("mic: inserted highpass:order=4 at position 3; chain limiter,gain:gainDb=-3,highpass:order=4",
                run("insert", "mic", "end", "highpass:order=4"));
        assertEquals("mic: limiter (position 1) enabled", run("enable", "mic", "limiter"));
        assertEquals(List.of(0), enabled);
        assertEquals(7, mic.updates);
    }

    @Test
    void badRequestsChangeNothingAndSayWhatIsAccepted() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "gain,gain:gainDb=3");
        assertEquals("unknown effect 'gian'; installed effects: gain, highpass, limiter",
                assertThrows(ChainSpecException.class, () -> run("chain", "mic", "gian")).getMessage());
        assertEquals("gain: gainDb=99 is out of range: accepted -60..24 dB",
                assertThrows(ChainSpecException.class, () -> run("chain", "mic", "gain:gainDb=99")).getMessage());
        assertEquals("no device 'spk'; running: mic",
                assertThrows(IllegalArgumentException.class, () -> run("chain", "spk", "gain")).getMessage());
        assertEquals("effect 'gain' occurs 2 times in the chain; give its position 1..2",
                assertThrows(IllegalArgumentException.class, () -> run("remove", "mic", "gain")).getMessage());
        assertEquals("position '3' is out of range: accepted 1..2",
                assertThrows(IllegalArgumentException.class, () -> run("remove", "mic", "3")).getMessage());
        assertEquals("gain: gainDb=90 is out of range: accepted -60..24 dB",
                assertThrows(ChainSpecException.class, () -> run("set", "mic", "2", "gainDb=90")).getMessage());
        assertEquals("effect 'gain' has no parameter 'gian'; its parameters: gainDb, mute",
                assertThrows(ChainSpecException.class, () -> run("set", "mic", "2", "gian=1")).getMessage());
        assertEquals("bypass takes on or off, not 'maybe'",
                assertThrows(IllegalArgumentException.class, () -> run("bypass", "mic", "1", "maybe")).getMessage());
        assertEquals("usage: insert DEVICE POSITION EFFECT[:p=v]",
                assertThrows(IllegalArgumentException.class, () -> run("insert", "mic", "1")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> run("frobnicate")).getMessage()
                .startsWith("unknown command 'frobnicate'; accepted: devices, chain, insert, remove, move, bypass, set,"));
        assertEquals("gain: gainDb='3,denoise,denoise' is not a value; accepted a number, or on/off for a switch"
                        + " (no ',' ':' '=' or spaces)",
                assertThrows(ChainSpecException.class, () -> run("set", "mic", "2", "gainDb=3,denoise,denoise")).getMessage());
        assertEquals("gain: gainDb='3:bypass' is not a value; accepted a number, or on/off for a switch (no ',' ':' '=' or spaces)",
                assertThrows(ChainSpecException.class, () -> run("set", "mic", "2", "gainDb=3:bypass")).getMessage());
        assertEquals("gain: gainDb='abc' is not a number; accepted -60..24 dB",
                assertThrows(ChainSpecException.class, () -> run("set", "mic", "2", "gainDb=abc")).getMessage());
        assertEquals(0, mic.updates);
        assertEquals("gain,gain:gainDb=3", mic.getProperties().get("chain"));
    }

    @Test
    void anEditReadsTheChainTheConfigurationHoldsNotTheRunningOne() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "highpass");
        // two edits back to back: the second sees the first even before the device took it up
        control.addDevice(new Device() {
            @Override public String id() { return "lag"; }
            @Override public String pid() { return mic.getPid(); }
            @Override public int latencyFrames() { return 0; }
            @Override public long blocks() { return 0; }
            @Override public String chain() { return "highpass"; }
            @Override public ChainSpec spec() { return ChainSpec.parse("highpass"); }
            @Override public DeviceStats stats() { throw new UnsupportedOperationException(); }
            @Override public void enable(int index) { }
            @Override public String describe() { return "lag"; }
        });
        run("insert", "lag", "end", "gain:gainDb=1");
        run("insert", "lag", "end", "limiter");
        run("set", "lag", "gain", "gainDb=2");
        assertEquals("highpass,gain:gainDb=2,limiter", mic.getProperties().get("chain"));
    }

    @Test
    void appliesPresetsLeavingOutWhatIsNotInstalled() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "");
        assertEquals("no presets are installed (preset bundles deliver them: drop one into load/)", run("presets"));
        control.addPreset(preset("voice", "highpass:cutoffHz=80,denoise,gain:gainDb=6"));
        control.addPreset(preset("broadcast", "limiter"));
        assertEquals("broadcast    about broadcast\n             limiter\nvoice        about voice\n"
                + "             highpass:cutoffHz=80,denoise,gain:gainDb=6", run("presets"));
        assertEquals("mic: preset voice applied: highpass:cutoffHz=80,denoise,gain:gainDb=6 "
                + "(not installed, left out until installed: denoise)", run("preset", "mic", "voice"));
        assertEquals("highpass:cutoffHz=80,denoise,gain:gainDb=6", mic.getProperties().get("chain"));
        assertEquals("no preset 'podcast'; installed: broadcast, voice",
                assertThrows(IllegalArgumentException.class, () -> run("preset", "mic", "podcast")).getMessage());
    }

    private static Preset preset(String name, String chain) {
        return new Preset() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return "about " + name;
            }

            @Override
            public String chain() {
                return chain;
            }
        };
    }

    @Test
    void theDefaultDeviceIsCreatedOnlyWhenNoDeviceFileExists(@TempDir Path load) throws Exception {
        Files.writeString(load.resolve("org.vocana.device-mic.cfg"), "id=mic\n");
        assertFalse(DefaultDevice.ensure(cm, load));
        assertTrue(cm.configurations.isEmpty());
        Files.delete(load.resolve("org.vocana.device-mic.cfg"));
        assertTrue(DefaultDevice.ensure(cm, load));
        FakeConfigurationAdmin.Config c = cm.configurations.get(0);
        assertEquals("org.vocana.device", c.getFactoryPid());
        assertEquals("vocana", c.getProperties().get("id"));
        assertEquals(48_000, c.getProperties().get("sampleRate"));
        assertEquals(2, c.getProperties().get("channels"));
        assertNull(c.getProperties().get("fadeMs"), "defaults come from DeviceConfig");
    }
}
