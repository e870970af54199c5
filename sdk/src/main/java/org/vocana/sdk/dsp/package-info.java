/*
 * SPDX-License-Identifier: Apache-2.0
 */
/** Small real-time-safe building blocks for effects: smoothing, level conversions. */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.vocana.sdk.dsp;
