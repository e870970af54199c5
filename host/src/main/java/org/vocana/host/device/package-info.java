/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/** Virtual devices from configuration: region, engine and chain per device. */
package org.vocana.host.device;
