/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/** Rendering audio files through a chain, faster than real time. */
package org.vocana.host.offline;
