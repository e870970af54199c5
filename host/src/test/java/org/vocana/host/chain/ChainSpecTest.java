/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChainSpecTest {

    @Test
    void parsesEffectsAndParametersInOrder() {
        ChainSpec spec = ChainSpec.parse("highpass:cutoffHz=80, gain:gainDb=6:mute=off ,limiter");
        assertEquals(3, spec.slots().size());
        assertEquals("highpass", spec.slots().get(0).effectId());
        assertEquals(Map.of("cutoffHz", "80"), spec.slots().get(0).parameters());
        assertEquals(Map.of("gainDb", "6", "mute", "off"), spec.slots().get(1).parameters());
        assertEquals(Map.of(), spec.slots().get(2).parameters());
        assertEquals("highpass:cutoffHz=80,gain:gainDb=6:mute=off,limiter", spec.toString());
    }

    private static String error(String text) {
        return assertThrows(ChainSpecException.class, () -> ChainSpec.parse(text)).getMessage();
    }

    @Test
    void malformedSpecsGetOneLineSayingWhatIsWrong() {
        String syntax = "; expected " + ChainSpec.SYNTAX;
        assertEquals("empty chain spec" + syntax, error(" "));
        assertEquals("malformed chain spec 'gain,,limiter': effect 2 is empty (stray comma?)" + syntax, error("gain,,limiter"));
        assertEquals("malformed chain spec at 'gain:gainDb': 'gainDb' is not param=value or a flag (bypass, optional)" + syntax, error("gain:gainDb"));
        assertEquals("malformed chain spec at 'gain:=6': '=6' is not param=value or a flag (bypass, optional)" + syntax, error("gain:=6"));
        assertEquals("malformed chain spec at 'gain:gainDb=': 'gainDb=' is not param=value or a flag (bypass, optional)" + syntax, error("gain:gainDb="));
        assertEquals("malformed chain spec at 'Gain': 'Gain' is not an effect id (lower-case letters, digits, '-')" + syntax,
                error("Gain"));
        assertEquals("chain spec at 'gain:gainDb=1:gainDb=2': parameter 'gainDb' is given twice",
                error("gain:gainDb=1:gainDb=2"));
        assertEquals(1, error("gain:gainDb").lines().count());
        assertEquals("chain spec at 'gain:bypass:bypass': flag 'bypass' is given twice", error("gain:bypass:bypass"));
    }

    @Test
    void flagsAreTheHostsAndComeBackInCanonicalOrder() {
        ChainSpec spec = ChainSpec.parse("gain:optional:gainDb=3:bypass,limiter:optional");
        assertEquals(true, spec.slots().get(0).bypass());
        assertEquals(true, spec.slots().get(0).optional());
        assertEquals(Map.of("gainDb", "3"), spec.slots().get(0).parameters());
        assertEquals(false, spec.slots().get(1).bypass());
        assertEquals("gain:gainDb=3:bypass:optional,limiter:optional", spec.toString());
        assertEquals(spec, ChainSpec.parse(spec.toString()));
    }
}
