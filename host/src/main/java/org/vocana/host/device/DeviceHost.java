/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.device;

/**
 * Marker service: present while the host runs as a device host ({@code vocana run},
 * {@code vocana shell}). Devices and the control socket start only then, so that one-shot
 * commands ({@code process}, {@code effects}, remote control) never create regions of their own.
 */
public interface DeviceHost {
}
