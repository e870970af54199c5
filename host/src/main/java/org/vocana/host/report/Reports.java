/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.report;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Problems with what the user gave the host (device files, bundles in the watched folder) as one
 * line each on stderr, {@code vocana: WHERE: WHAT}, printed once: the same problem reported again
 * for the same subject (SCR re-activating a component, FileInstall retrying a start) is not printed
 * again until the subject is {@link #clear}ed (it was fixed, removed or changed).
 */
public final class Reports {

    private static final Map<String, String> LAST = new HashMap<>();
    private static PrintStream err = System.err;

    private Reports() {
    }

    /**
     * Prints {@code vocana: line} unless the same line was the last one printed for {@code subject};
     * returns true if it printed.
     */
    public static synchronized boolean once(String subject, String line) {
        if (line.equals(LAST.get(subject))) {
            return false;
        }
        LAST.put(subject, line);
        err.println("vocana: " + line);
        err.flush();
        return true;
    }

    /**
     * Prints {@code vocana: line} unless something was printed for {@code subject} already (one
     * line per subject until it is {@link #clear}ed); returns true if it printed.
     */
    public static synchronized boolean first(String subject, String line) {
        if (LAST.containsKey(subject)) {
            return false;
        }
        LAST.put(subject, line);
        err.println("vocana: " + line);
        err.flush();
        return true;
    }

    /** True if {@link #once} already printed {@code line} for {@code subject}. */
    public static synchronized boolean printed(String subject, String line) {
        return line.equals(LAST.get(subject));
    }

    /** Forgets what was printed for {@code subject}: the next problem is printed. */
    public static synchronized void clear(String subject) {
        LAST.remove(subject);
    }

    /** Where a configuration came from: its file (FileInstall's {@code felix.fileinstall.filename}) or its PID. */
    public static String source(Object fileinstallFilename, String pid) {
        if (fileinstallFilename instanceof String s && !s.isEmpty()) {
            try {
                return s.startsWith("file:") ? Path.of(URI.create(s)).toString() : s;
            } catch (IllegalArgumentException e) {
                return s;
            }
        }
        return "configuration " + pid;
    }

    /** The file a {@code file:} location or URL names, or null. */
    public static Path file(String location) {
        if (location == null) {
            return null;
        }
        String s = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!s.startsWith("file:")) {
            return null;
        }
        int fragment = s.indexOf('#');
        if (fragment >= 0) {
            s = s.substring(0, fragment); // the host's load folder tells installs of one file apart so ("file:/x.jar#3")
        }
        try {
            return Path.of(URI.create(s));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
