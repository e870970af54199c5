/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

import java.util.Locale;
import org.vocana.host.engine.TimeSummary;

/** {@link DeviceMXBean} over a {@link DeviceRuntime}: every read takes a fresh {@link DeviceStats}. */
final class DeviceMBean implements DeviceMXBean {

    private final DeviceRuntime runtime;

    DeviceMBean(DeviceRuntime runtime) {
        this.runtime = runtime;
    }

    private DeviceStats s() {
        return runtime.stats();
    }

    private static double us(long nanos) {
        return nanos / 1000.0;
    }

    @Override
    public String getId() {
        return runtime.settings().id();
    }

    @Override
    public String getChain() {
        return runtime.chainText();
    }

    @Override
    public long getBlocks() {
        return s().blocks();
    }

    @Override
    public double getBlockTimeP50Micros() {
        return us(s().blockTime().p50());
    }

    @Override
    public double getBlockTimeP99Micros() {
        return us(s().blockTime().p99());
    }

    @Override
    public double getBlockTimeP999Micros() {
        return us(s().blockTime().p999());
    }

    @Override
    public double getBlockTimeMaxMicros() {
        return us(s().blockTime().max());
    }

    @Override
    public double getPeriodMicros() {
        return us(s().periodNanos());
    }

    @Override
    public long getDeadlineMisses() {
        return s().deadlineMisses();
    }

    @Override
    public long getOverloads() {
        return s().overloads();
    }

    @Override
    public boolean isShedding() {
        return s().shedding();
    }

    @Override
    public long getToHostOverruns() {
        return s().toHostOverruns();
    }

    @Override
    public long getFromHostUnderruns() {
        return s().fromHostUnderruns();
    }

    @Override
    public long getFromHostOverruns() {
        return s().fromHostOverruns();
    }

    @Override
    public long getToHostUnderruns() {
        return s().toHostUnderruns();
    }

    @Override
    public int getLatencyFrames() {
        return s().latencyFrames();
    }

    @Override
    public long getFaults() {
        return s().faults();
    }

    @Override
    public long getStalls() {
        return s().stalls();
    }

    @Override
    public String[] getEffects() {
        return s().effects().stream().map(e -> String.format(Locale.ROOT, "%d %s %s faults %d%s%s%s", e.position(), e.id(),
                !e.installed() ? "not installed" : e.time().count() == 0 ? "p99 -" : "p99 " + TimeSummary.micros(e.time().p99()),
                e.faults(), e.bypassed() ? " bypassed" : "", e.disabled() ? " disabled" : "",
                e.optional() ? " optional" : "")).toArray(String[]::new);
    }
}
