/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/** Which effects are installed and how a chain slot gets its own instance. */
package org.vocana.host.effects;
