/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vocana.host.TestCatalog;
import org.vocana.host.chain.ChainSpecException;
import org.vocana.host.device.DefaultDevice;
import org.vocana.host.device.Device;

class DeviceCommandsTest {

    private final FakeConfigurationAdmin cm = new FakeConfigurationAdmin();
    private final DeviceCommands commands = new DeviceCommands(cm, TestCatalog.builtIns());

    private static Device device(String id, String chain) {
        return new Device() {
            @Override
            public String id() {
                return id;
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
                return chain;
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
        commands.addDevice(device(id, chain));
        return cm.add("org.vocana.device", id, props);
    }

    @Test
    void listsDevicesSortedById() {
        assertEquals("no devices are running", commands.devices());
        configured("mic", "");
        configured("cam", "gain");
        assertEquals("cam (described)\nmic (described)", commands.devices());
    }

    @Test
    void showsAndChangesAChainThroughTheDevicesConfiguration() throws Exception {
        FakeConfigurationAdmin.Config mic = configured("mic", "");
        assertEquals("(empty: audio passes through)", commands.chain("mic"));
        assertEquals("mic: chain set to highpass:cutoffHz=100,gain:gainDb=3 (crossfaded in)",
                commands.chain("mic", " highpass:cutoffHz=100 , gain:gainDb=3"));
        assertEquals("highpass:cutoffHz=100,gain:gainDb=3", mic.getProperties().get("chain"));
        assertEquals("mic", mic.getProperties().get("id"), "other properties are kept");
        assertEquals("mic: chain cleared (crossfaded in)", commands.chain("mic", "none"));
        assertEquals("", mic.getProperties().get("chain"));
        assertEquals(2, mic.updates);
    }

    @Test
    void badRequestsChangeNothingAndSayWhatIsAccepted() {
        FakeConfigurationAdmin.Config mic = configured("mic", "gain");
        assertEquals("unknown effect 'gian'; installed effects: gain, highpass, limiter",
                assertThrows(ChainSpecException.class, () -> commands.chain("mic", "gian")).getMessage());
        assertEquals("gain: gainDb=99 is out of range: accepted -60..24 dB",
                assertThrows(ChainSpecException.class, () -> commands.chain("mic", "gain:gainDb=99")).getMessage());
        assertEquals("no device 'spk'; running: mic",
                assertThrows(IllegalArgumentException.class, () -> commands.chain("spk", "gain")).getMessage());
        assertEquals(0, mic.updates);
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
