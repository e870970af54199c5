/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

/**
 * A private, validated copy of a region header (the Java twin of {@code vocana_region_info}).
 *
 * @param regionSize     bytes of the whole region (== file size)
 * @param generation     non-zero instance stamp of the host that published it
 * @param ringBytes      bytes of one ring's data
 * @param sampleRate     Hz
 * @param channels       interleaved float32 samples per frame
 * @param capacityFrames frames per ring, a power of two
 * @param hostFlags      {@link RegionLayout#HOST_RUNNING} and/or {@link RegionLayout#HOST_SHUTDOWN}
 * @param deviceId       the device id stored in the header
 * @param name           the display name stored in the header
 */
public record RegionInfo(long regionSize, long generation, long ringBytes, int sampleRate, int channels,
        int capacityFrames, int hostFlags, String deviceId, String name) {
}
