/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/**
 * Operating-system services the engine needs and Java does not offer, through Panama FFM
 * downcalls into the C library (no JNI): real-time scheduling of the audio threads and its
 * demotion for abandoned ones ({@link org.vocana.host.os.Realtime}).
 */
package org.vocana.host.os;
