/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The effect test kit: {@link org.vocana.sdk.testing.EffectVerifier} runs every check on an effect;
 * {@link org.vocana.sdk.testing.AllocationMeter} and {@link org.vocana.sdk.testing.TruePeakMeter}
 * help effect tests of their own.
 */
@Version("1.0.0")
package org.vocana.sdk.testing;

import org.osgi.annotation.versioning.Version;
