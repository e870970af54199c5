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
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.vocana.host.engine.EffectCalls;
import org.vocana.host.engine.EffectLabel;
import org.vocana.host.engine.EffectStuckException;
import org.vocana.host.report.Reports;
import org.vocana.host.report.Text;
import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;

/**
 * Tracks every {@link Effect} service in the framework. Effects are prototype-scope services:
 * each {@link #create} gets a fresh instance through {@link ComponentServiceObjects}.
 *
 * <p>One provider per id: the first registered, except that a later registration from a bundle
 * with the same symbolic name replaces it (an update, installed side by side with the old
 * bundle by {@link org.vocana.host.bundles.LoadFolder} before the old one goes). When the chosen
 * provider goes away, the earliest other one takes over.
 *
 * <p>Listeners run synchronously on the thread that changes the catalog, and a provider stays
 * registered until they return: that is how a device takes an effect out of its chains (and
 * deactivates its instances) before the effect's bundle stops and Declarative Services disposes
 * of them.
 */
@Component(service = EffectCatalog.class, immediate = true)
public final class OsgiEffectCatalog implements EffectCatalog {

    private record Entry(ComponentServiceObjects<Effect> objects, EffectDescriptor descriptor, String bsn, long order) {
    }

    /** The chosen provider per id. */
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    /** Every registration (chosen or not), for promotion when the chosen one leaves. */
    private final List<Entry> all = new ArrayList<>();
    private long registrations;
    private final Object changed = new Object();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The probe that reads a new service's descriptor runs effect code: watched. */
    private final EffectCalls probes = new EffectCalls("vocana-effects-catalog", EffectCalls.configuredLimitMillis() * 1_000_000L,
            System::nanoTime, e -> System.err.println("vocana: " + e.getMessage() + "; its service is ignored"),
            line -> System.err.println("vocana: " + line));

    @Reference(service = Effect.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + Effect.ID_PROPERTY + "=*)")
    void addEffect(ComponentServiceObjects<Effect> objects) {
        Object declaredId = objects.getServiceReference().getProperty(Effect.ID_PROPERTY);
        Bundle bundle = objects.getServiceReference().getBundle();
        EffectDescriptor descriptor;
        try {
            descriptor = probes.run(() -> {
                probes.enter("construction", new EffectLabel(String.valueOf(declaredId), "?", 0));
                Effect probe;
                try {
                    probe = objects.getService();
                } finally {
                    probes.exit();
                }
                if (probe == null) {
                    return null;
                }
                try {
                    probes.enter("descriptor", new EffectLabel(String.valueOf(declaredId), "?", 0));
                    try {
                        return probe.descriptor();
                    } finally {
                        probes.exit();
                    }
                } finally {
                    objects.ungetService(probe);
                }
            });
        } catch (EffectStuckException e) {
            return; // reported by the watchdog
        } catch (RuntimeException e) {
            problem(bundle, "effect " + Text.quote(String.valueOf(declaredId)) + ": its construction or descriptor() threw "
                    + org.vocana.host.engine.FaultReports.describe(e) + " (accepted: an effect that constructs); this effect"
                    + " is ignored");
            return;
        }
        if (descriptor == null) {
            return;
        }
        if (!descriptor.id().equals(declaredId)) {
            problem(bundle, Effect.ID_PROPERTY + " " + Text.quote(String.valueOf(declaredId)) + ": differs from its descriptor's id "
                    + Text.quote(descriptor.id()) + " (accepted: the descriptor's id); this effect is ignored");
            return;
        }
        Entry taken = null;
        synchronized (all) {
            Entry entry = new Entry(objects, descriptor, bundle == null ? null : bundle.getSymbolicName(), ++registrations);
            Entry current = byId.get(descriptor.id());
            if (current == null || (entry.bsn() != null && entry.bsn().equals(current.bsn()))) {
                all.add(entry); // new, or an update of the provider's bundle installed beside it
                byId.put(descriptor.id(), entry);
            } else {
                taken = current;
            }
        }
        if (taken != null) {
            org.osgi.framework.Bundle holder = taken.objects().getServiceReference().getBundle();
            problem(bundle, Effect.ID_PROPERTY + " " + Text.quote(descriptor.id()) + ": already provided by bundle '"
                    + (holder == null ? "?" : holder.getSymbolicName()) + "' (accepted: an effect id no installed effect"
                    + " has); this effect is ignored");
            return;
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
        boolean wasChosen = false;
        synchronized (all) {
            Entry gone = null;
            for (Entry e : all) {
                if (e.objects() == objects) {
                    gone = e;
                }
            }
            if (gone == null) {
                return;
            }
            all.remove(gone);
            String id = gone.descriptor().id();
            if (byId.get(id) == gone) {
                wasChosen = true;
                Entry next = all.stream().filter(e -> e.descriptor().id().equals(id))
                        .min(Comparator.comparingLong(Entry::order)).orElse(null);
                if (next == null) {
                    byId.remove(id);
                } else {
                    byId.put(id, next);
                }
            }
        }
        if (wasChosen) {
            notifyListeners(); // the provider stays usable until the listeners are done with it
        }
    }

    @Deactivate
    void deactivate() {
        probes.shutdown();
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
    public Optional<EffectDescriptor> descriptor(String id) {
        Entry e = byId.get(id);
        return e == null ? Optional.empty() : Optional.of(e.descriptor());
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
        return Optional.of(new EffectInstance(effect, entry.descriptor(), () -> objects.ungetService(effect)));
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
