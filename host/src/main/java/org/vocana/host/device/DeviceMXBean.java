/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

/**
 * A device's figures for JMX tools (jconsole, VisualVM, jmxterm): one MXBean per running device,
 * named {@code org.vocana:type=Device,id=ID}. Times are in microseconds, since the device started.
 */
public interface DeviceMXBean {

    String getId();

    /** The configured chain spec (empty: pass-through). */
    String getChain();

    long getBlocks();

    double getBlockTimeP50Micros();

    double getBlockTimeP99Micros();

    double getBlockTimeP999Micros();

    double getBlockTimeMaxMicros();

    double getPeriodMicros();

    long getDeadlineMisses();

    long getOverloads();

    boolean isShedding();

    /** Device writes that found the "to host" ring full. */
    long getToHostOverruns();

    /** Device reads that found no processed audio in the "from host" ring. */
    long getFromHostUnderruns();

    long getFromHostOverruns();

    long getToHostUnderruns();

    int getLatencyFrames();

    long getFaults();

    long getStalls();

    /** One line per chain slot: position, effect, p99 time, faults, state. */
    String[] getEffects();
}
