/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.report;

/** Values shown in one-line messages: shortened, on one line, control characters escaped. */
public final class Text {

    /** Longest value a message shows; longer ones end in "...". */
    public static final int MAX_VALUE_CHARS = 60;

    private Text() {
    }

    /**
     * {@code value} for a message, in single quotes: at most {@value #MAX_VALUE_CHARS} characters
     * (then "..." and the full length), control and non-ASCII-printable characters escaped as
     * {@code \\uXXXX} (so a UTF-16 or binary value stays one readable line).
     */
    public static String quote(Object value) {
        return "'" + abbreviate(String.valueOf(value)) + "'";
    }

    /** As {@link #quote} without the quotes. */
    public static String abbreviate(String s) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < s.length() && shown < MAX_VALUE_CHARS; i++, shown++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isSurrogate(c) || c == 0xfffd || c == 0xfeff) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > MAX_VALUE_CHARS) {
            sb.append("... (").append(s.length()).append(" characters)");
        }
        return sb.toString();
    }

    /** A number without a needless ".0". */
    public static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
