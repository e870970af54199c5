/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.effects;

import org.vocana.sdk.Effect;

/**
 * One effect instance owned by one chain slot, with the way to give it back (for OSGi
 * prototype-scope services, ungetting the service object). Thread: control thread.
 */
public final class EffectInstance implements AutoCloseable {

    private final Effect effect;
    private final Runnable release;
    private boolean closed;

    public EffectInstance(Effect effect, Runnable release) {
        this.effect = effect;
        this.release = release;
    }

    public Effect effect() {
        return effect;
    }

    /** Releases the instance; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
