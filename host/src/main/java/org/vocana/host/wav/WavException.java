/* SPDX-License-Identifier: GPL-3.0-or-later */
package org.vocana.host.wav;

import java.io.IOException;

/**
 * A WAV file that cannot be read or written. The message is one line naming the file, saying
 * what is wrong and, where it applies, what is accepted, e.g.
 * {@code in.wav: 12 channels; accepted 1..8}.
 */
public final class WavException extends IOException {

    private static final long serialVersionUID = 1L;

    public WavException(String message) {
        super(oneLine(message));
    }

    public WavException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String message) {
        return message == null ? null : message.replaceAll("\\s*\\R\\s*", " ");
    }
}
