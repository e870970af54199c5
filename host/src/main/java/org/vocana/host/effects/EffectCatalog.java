/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.effects;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.vocana.sdk.EffectDescriptor;

/** The effects installed in this host, by id. Thread-safe. */
public interface EffectCatalog {

    /** Descriptors of the installed effects, sorted by id. */
    List<EffectDescriptor> descriptors();

    /** The descriptor of the effect with this id, if installed. */
    default Optional<EffectDescriptor> descriptor(String id) {
        return descriptors().stream().filter(d -> d.id().equals(id)).findFirst();
    }

    /** A new instance of the effect with this id (one per chain slot), if installed. */
    Optional<EffectInstance> create(String id);

    /**
     * Waits up to {@code timeout} for every id to be installed (bundles in the watched folder
     * arrive a moment after start-up). Returns true if all are installed.
     */
    boolean await(List<String> ids, Duration timeout) throws InterruptedException;

    /**
     * Calls {@code listener} after an effect was installed or removed (on the thread that changed
     * the catalog; keep it short). An effect being removed is still usable while listeners run.
     */
    void addListener(Runnable listener);

    void removeListener(Runnable listener);
}
