/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import java.nio.file.Path;
import org.vocana.host.ring.RegionDirectory;
import org.vocana.host.ring.RegionException;

/**
 * The control socket's protocol, version 1, over a Unix-domain stream socket in the runtime
 * folder (mode 0700: only the host's user can connect). Request: the line {@code vocana 1}, the
 * number of words, then one word per line (words hold no line break). Response: the line
 * {@code status N} (0 done, 1 failed, 2 bad request), then the output as text until the end of
 * the stream. One request per connection. All text is UTF-8.
 */
public final class ControlProtocol {

    static final String HELLO = "vocana 1";
    static final String STATUS = "status ";
    /** Longest request the server reads: words and lines are short. */
    static final int MAX_WORDS = 256;
    static final int MAX_LINE = 8192;

    private ControlProtocol() {
    }

    /** {@code control.sock} in the runtime folder (next to the device regions). */
    public static Path socketPath() throws RegionException {
        return RegionDirectory.defaultDirectory().resolve("control.sock");
    }
}
