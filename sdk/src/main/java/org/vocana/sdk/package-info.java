/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * The Vocana effect API: {@link org.vocana.sdk.Effect}, its descriptors, and
 * {@link org.vocana.sdk.AbstractEffect}.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.vocana.sdk;
