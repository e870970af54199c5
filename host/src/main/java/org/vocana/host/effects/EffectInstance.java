/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.effects;

import org.vocana.sdk.Effect;
import org.vocana.sdk.EffectDescriptor;

/**
 * One effect instance owned by one chain slot, with the way to give it back (for OSGi
 * prototype-scope services, ungetting the service object). The descriptor is read once, when the
 * instance is made: the host never calls into the effect's code just to learn its name. Thread:
 * control thread.
 */
public final class EffectInstance implements AutoCloseable {

    private final Effect effect;
    private final EffectDescriptor descriptor;
    private final Runnable release;
    private boolean closed;
    private boolean bypassed;
    private boolean optional;
    private int position;

    /** Reads the effect's descriptor now (a call into its code: on a watched thread, see EffectCalls). */
    public EffectInstance(Effect effect, Runnable release) {
        this(effect, effect.descriptor(), release);
    }

    /** With the descriptor the catalog already read from this effect's service. */
    public EffectInstance(Effect effect, EffectDescriptor descriptor, Runnable release) {
        this.effect = effect;
        this.descriptor = descriptor;
        this.release = release;
    }

    public Effect effect() {
        return effect;
    }

    /** The effect's descriptor as read when the instance was made. */
    public EffectDescriptor descriptor() {
        return descriptor;
    }

    /** The effect's id. */
    public String id() {
        return descriptor.id();
    }

    /** Sets the host's flags for the slot this instance will fill (before the chain is activated). */
    public EffectInstance flags(boolean bypassed, boolean optional) {
        this.bypassed = bypassed;
        this.optional = optional;
        return this;
    }

    /**
     * Sets the slot's position in the configured chain as the CLI counts it (1-based), for
     * reports; 0 (the default) means the position in the running chain.
     */
    public EffectInstance position(int position) {
        this.position = position;
        return this;
    }

    /** The position set by {@link #position(int)}, or 0. */
    public int position() {
        return position;
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
