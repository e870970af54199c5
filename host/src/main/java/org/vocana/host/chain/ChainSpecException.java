/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.chain;

/** A chain spec that cannot be used; the message is one line saying what is wrong and what is accepted. */
public final class ChainSpecException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ChainSpecException(String message) {
        super(message);
    }
}
