/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/**
 * The host side of the per-device shared-memory rings (Panama FFM, no native code): the region
 * layout of {@code hal-plugin/include/vocana/abi.h} ({@link org.vocana.host.ring.RegionLayout}),
 * the region's folder and permission rules ({@link org.vocana.host.ring.RegionDirectory}),
 * creation, publication, heartbeat, restart and withdrawal
 * ({@link org.vocana.host.ring.DeviceRegion}), validation of an existing region
 * ({@link org.vocana.host.ring.RegionValidator}) and the two real-time endpoints
 * ({@link org.vocana.host.ring.ToHostReader}, {@link org.vocana.host.ring.FromHostWriter}).
 * Everything in shared memory is untrusted: no value there can make the host read or write outside
 * the mapping or throw on the audio path.
 */
package org.vocana.host.ring;
