/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.guard;

/**
 * Thrown where a bundle's code calls {@code System.exit}, {@code Runtime.exit} or
 * {@code Runtime.halt}: in the Vocana host a bundle cannot end the process. The host rewrites those
 * calls when it loads a bundle's classes ({@link ExitGuard}); the message names the call, the
 * status, the bundle and the calling method.
 */
public final class ExitRefusedException extends SecurityException {

    private static final long serialVersionUID = 1L;

    public ExitRefusedException(String message) {
        super(message);
    }
}
