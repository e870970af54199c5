/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.vocana.host.effects.EffectCatalog;
import org.vocana.host.effects.EffectInstance;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;

/** An in-memory catalog for tests; counts live instances so leaks are visible. */
public final class TestCatalog implements EffectCatalog {

    private final Map<String, Supplier<Effect>> factories = new LinkedHashMap<>();
    private final Map<String, EffectDescriptor> descriptors = new LinkedHashMap<>();
    public volatile int live;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Installs an effect, or replaces the one with the same id (as an updated bundle does); the
     * listeners run after the catalog changed, outside its lock (they call back into it).
     */
    public TestCatalog add(Supplier<Effect> factory) {
        EffectDescriptor d = factory.get().descriptor();
        synchronized (this) {
            factories.put(d.id(), factory);
            descriptors.put(d.id(), d);
        }
        listeners.forEach(Runnable::run);
        return this;
    }

    /** Uninstalls an effect (instances in use stay usable), as when its bundle is removed. */
    public TestCatalog remove(String id) {
        synchronized (this) {
            factories.remove(id);
            descriptors.remove(id);
        }
        listeners.forEach(Runnable::run);
        return this;
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /** The built-in effects. */
    public static TestCatalog builtIns() {
        return new TestCatalog()
                .add(org.vocana.effect.gain.GainEffect::new)
                .add(org.vocana.effect.limiter.LimiterEffect::new)
                .add(org.vocana.effect.highpass.HighPassEffect::new);
    }

    @Override
    public synchronized List<EffectDescriptor> descriptors() {
        List<EffectDescriptor> list = new ArrayList<>(descriptors.values());
        list.sort(Comparator.comparing(EffectDescriptor::id));
        return list;
    }

    @Override
    public synchronized Optional<EffectInstance> create(String id) {
        Supplier<Effect> f = factories.get(id);
        if (f == null) {
            return Optional.empty();
        }
        live++;
        return Optional.of(new EffectInstance(f.get(), descriptors.get(id), this::released));
    }

    private synchronized void released() {
        live--;
    }

    @Override
    public synchronized boolean await(List<String> ids, Duration timeout) {
        return descriptors.keySet().containsAll(ids);
    }
}
