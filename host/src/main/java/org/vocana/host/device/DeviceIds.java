/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device ids are unique: one configuration holds an id at a time (the first to claim it); another
 * that asks for it is refused and waits, and gets its turn (in the order they asked) when the
 * holder lets go.
 */
final class DeviceIds {

    /** Who holds an id: the configuration's PID and where it came from (a file). */
    record Holder(String pid, String source) {
    }

    private static final Map<String, Holder> HOLDERS = new HashMap<>();
    private static final Map<String, LinkedHashMap<String, Runnable>> WAITING = new HashMap<>();

    private DeviceIds() {
    }

    /**
     * Claims {@code id} for {@code pid}. Returns null if granted (or already held by it), else the
     * holder; a refused claimant with a {@code retry} is called back (on no particular thread, with
     * no lock held) once the id is free.
     */
    static synchronized Holder claim(String id, String pid, String source, Runnable retry) {
        Holder h = HOLDERS.get(id);
        if (h == null || h.pid().equals(pid)) {
            HOLDERS.put(id, new Holder(pid, source));
            Map<String, Runnable> w = WAITING.get(id);
            if (w != null) {
                w.remove(pid);
            }
            return null;
        }
        if (retry != null) {
            WAITING.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(pid, retry);
        }
        return h;
    }

    /** Lets go of {@code id} if {@code pid} holds it; returns the waiters to call back, first first. */
    static synchronized List<Runnable> release(String id, String pid) {
        Holder h = HOLDERS.get(id);
        if (h == null || !h.pid().equals(pid)) {
            return List.of();
        }
        HOLDERS.remove(id);
        Map<String, Runnable> w = WAITING.remove(id);
        return w == null ? List.of() : new ArrayList<>(w.values());
    }

    /** Forgets {@code pid} as a waiter (its configuration changed or went away). */
    static synchronized void stopWaiting(String pid) {
        for (Map<String, Runnable> w : WAITING.values()) {
            w.remove(pid);
        }
    }
}
