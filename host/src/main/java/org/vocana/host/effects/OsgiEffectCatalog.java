/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.effects;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.vocana.host.report.Reports;
import org.vocana.host.report.Text;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Tracks every {@link Effect} service in the framework. Effects are prototype-scope services:
 * each {@link #create} gets a fresh instance through {@link ComponentServiceObjects}.
 */
@Component(service = EffectCatalog.class, immediate = true)
public final class OsgiEffectCatalog implements EffectCatalog {

    private record Entry(ComponentServiceObjects<Effect> objects, EffectDescriptor descriptor) {
    }

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final Object changed = new Object();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Reference(service = Effect.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + Effect.ID_PROPERTY + "=*)")
    void addEffect(ComponentServiceObjects<Effect> objects) {
        Object declaredId = objects.getServiceReference().getProperty(Effect.ID_PROPERTY);
        Effect probe = objects.getService();
        if (probe == null) {
            return;
        }
        try {
            EffectDescriptor descriptor = probe.descriptor();
            org.osgi.framework.Bundle bundle = objects.getServiceReference().getBundle();
            if (!descriptor.id().equals(declaredId)) {
                problem(bundle, Effect.ID_PROPERTY + " " + Text.quote(declaredId) + ": differs from its descriptor's id "
                        + Text.quote(descriptor.id()) + " (accepted: the descriptor's id); this effect is ignored");
                return;
            }
            Entry taken = byId.putIfAbsent(descriptor.id(), new Entry(objects, descriptor));
            if (taken != null) {
                org.osgi.framework.Bundle holder = taken.objects().getServiceReference().getBundle();
                problem(bundle, Effect.ID_PROPERTY + " " + Text.quote(descriptor.id()) + ": already provided by bundle '"
                        + (holder == null ? "?" : holder.getSymbolicName()) + "' (accepted: an effect id no installed effect"
                        + " has); this effect is ignored");
                return;
            }
        } finally {
            objects.ungetService(probe);
        }
        synchronized (changed) {
            changed.notifyAll();
        }
        notifyListeners();
    }

    /** One line about an effect that is not taken, naming its bundle's file. */
    private static void problem(org.osgi.framework.Bundle bundle, String what) {
        java.nio.file.Path file = bundle == null ? null : Reports.file(bundle.getLocation());
        String where = file != null ? file.toString() : bundle == null ? "an effect service" : "bundle '" + bundle.getSymbolicName() + "'";
        Reports.first(file != null ? "bundle:" + file : "effect:" + where + what, where + ": " + what);
    }

    void removeEffect(ComponentServiceObjects<Effect> objects) {
        if (byId.values().removeIf(e -> e.objects() == objects)) {
            notifyListeners();
        }
    }

    private void notifyListeners() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                System.err.println("vocana: effect catalog listener failed: " + e);
            }
        }
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    @Override
    public List<EffectDescriptor> descriptors() {
        List<EffectDescriptor> list = new ArrayList<>();
        for (Entry e : byId.values()) {
            list.add(e.descriptor());
        }
        list.sort(Comparator.comparing(EffectDescriptor::id));
        return list;
    }

    @Override
    public Optional<EffectInstance> create(String id) {
        Entry entry = byId.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        Effect effect = entry.objects().getService();
        if (effect == null) {
            return Optional.empty();
        }
        ComponentServiceObjects<Effect> objects = entry.objects();
        return Optional.of(new EffectInstance(effect, () -> objects.ungetService(effect)));
    }

    @Override
    public boolean await(List<String> ids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (!byId.keySet().containsAll(ids)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
