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
    private boolean bypassed;
    private boolean optional;

    public EffectInstance(Effect effect, Runnable release) {
        this.effect = effect;
        this.release = release;
    }

    public Effect effect() {
        return effect;
    }

    /** Sets the host's flags for the slot this instance will fill (before the chain is activated). */
    public EffectInstance flags(boolean bypassed, boolean optional) {
        this.bypassed = bypassed;
        this.optional = optional;
        return this;
    }

    /** True if the slot starts bypassed. */
    public boolean bypassed() {
        return bypassed;
    }

    /** True if the engine may bypass the slot while the device is overloaded. */
    public boolean optional() {
        return optional;
    }

    /** Releases the instance; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                release.run();
            } catch (IllegalStateException e) {
                // the providing bundle went away first: nothing left to give back
            }
        }
    }
}
