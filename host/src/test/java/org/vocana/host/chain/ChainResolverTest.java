/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vocana.host.TestCatalog;
import org.vocana.host.effects.EffectInstance;

class ChainResolverTest {

    private final TestCatalog catalog = TestCatalog.builtIns();
    private final ChainResolver resolver = new ChainResolver(catalog);

    private String error(String spec) {
        return assertThrows(ChainSpecException.class, () -> resolver.instantiate(ChainSpec.parse(spec))).getMessage();
    }

    @Test
    void setsParametersOnFreshInstances() {
        List<EffectInstance> chain = resolver.instantiate(ChainSpec.parse("gain:gainDb=6:mute=on,gain"));
        assertEquals(2, chain.size());
        assertEquals(6.0, chain.get(0).effect().parameter(0));
        assertEquals(1.0, chain.get(0).effect().parameter(1));
        assertEquals(0.0, chain.get(1).effect().parameter(0));
        assertEquals(2, catalog.live);
        chain.forEach(EffectInstance::close);
        assertEquals(0, catalog.live);
    }

    @Test
    void acceptsSwitchWordsAndNumbers() {
        for (String on : new String[] {"on", "true", "yes", "1", "ON"}) {
            assertEquals(1.0, resolver.check(ChainSpec.parse("gain:mute=" + on)).get(0).values()[1]);
        }
        assertEquals(-12.5, resolver.check(ChainSpec.parse("gain:gainDb=-12.5")).get(0).values()[0]);
    }

    @Test
    void badIdsParametersAndValuesAreNamedWithWhatIsAccepted() {
        assertEquals("unknown effect 'gian'; installed effects: gain, highpass, limiter", error("gian"));
        assertEquals("effect 'gain' has no parameter 'db'; its parameters: gainDb, mute", error("gain:db=3"));
        assertEquals("gain: gainDb=99 is out of range: accepted -60..24 dB", error("gain:gainDb=99"));
        assertEquals("gain: gainDb='loud' is not a number; accepted -60..24 dB", error("gain:gainDb=loud"));
        assertEquals("gain: gainDb='NaN' is not a number; accepted -60..24 dB", error("gain:gainDb=NaN"));
        assertEquals("gain: mute='maybe' is not a switch value; accepted on/off (1/0, true/false)", error("gain:mute=maybe"));
        assertEquals("highpass: order=3 is not an accepted value: accepted 2, 4", error("highpass:order=3"));
        assertEquals(0, catalog.live, "no instance leaks when a later slot is bad");
        assertThrows(ChainSpecException.class, () -> resolver.instantiate(ChainSpec.parse("gain,limiter:ceilingDb=5")));
        assertEquals(0, catalog.live);
    }
}
