/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.vocana.sdk.dsp;

/** Conversions between decibels and linear amplitude. */
public final class Decibels {

    private Decibels() {
    }

    /** Linear amplitude for a level in dB (20·log10 convention). */
    public static double toGain(double db) {
        return Math.pow(10.0, db / 20.0);
    }

    /** Level in dB of a linear amplitude; negative infinity for 0. */
    public static double fromGain(double gain) {
        return 20.0 * Math.log10(gain);
    }
}
