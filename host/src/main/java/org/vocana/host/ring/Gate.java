/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps the mapping of a region alive while a thread uses it, so that {@link DeviceRegion#close()}
 * may run while the audio thread is still calling an endpoint (the same scheme as the C device's IO
 * gate): bit 31 = open, bits 0..30 = threads inside. A caller enters (one atomic add), uses the
 * mapping only if the gate was open, and leaves (one atomic add); close clears the open bit and
 * waits until nobody is inside (at most the duration of one call) before the mapping is released.
 * Without it a call racing close would get an {@code IllegalStateException} from FFM.
 */
final class Gate {

    private static final int OPEN = 0x8000_0000;
    private static final int COUNT = 0x7fff_ffff;

    private final AtomicInteger state = new AtomicInteger(OPEN);

    /** True if the mapping may be used; then {@link #leave()} must follow. */
    boolean enter() {
        if ((state.getAndIncrement() & OPEN) != 0) {
            return true;
        }
        state.getAndDecrement();
        return false;
    }

    void leave() {
        state.getAndDecrement();
    }

    boolean isOpen() {
        return (state.get() & OPEN) != 0;
    }

    /** Closes the gate and waits until no thread is inside. */
    void closeAndDrain() {
        state.getAndUpdate(s -> s & ~OPEN);
        while ((state.get() & COUNT) != 0) {
            Thread.onSpinWait();
        }
    }
}
