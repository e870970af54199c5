/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.ring;

import java.io.IOException;
import java.io.Serial;

/** A region (or its folder) was refused or could not be made; the message is one line. */
public final class RegionException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final RegionError error;

    public RegionException(RegionError error, String message) {
        super(message);
        this.error = error;
    }

    public RegionException(RegionError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public RegionError error() {
        return error;
    }
}
