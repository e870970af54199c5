/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/** Chains written as text (specs), and their checking against the installed effects. */
package org.vocana.host.chain;
