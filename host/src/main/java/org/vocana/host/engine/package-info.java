/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/** The processing engine: activated chains of effects run block by block. */
package org.vocana.host.engine;
