/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.vocana.host.ring.RegionDirectory;
import org.vocana.host.ring.RegionException;

/** Sends one control request to a running host ({@link ControlProtocol}). */
public final class ControlClient {

    /** The host's answer. */
    public record Response(int status, String text) {
    }

    private ControlClient() {
    }

    /** True if a host answers on {@code socket}. */
    public static boolean answers(Path socket) {
        try (SocketChannel ch = connect(socket)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Connects to the host's socket; the one-line error says why not: no socket (no host runs), a
     * socket nothing listens on (a host that died), permission denied on which folder, or the
     * system's reason.
     */
    static SocketChannel connect(Path socket) throws IOException {
        Path denied = RegionDirectory.deniedAncestor(socket);
        if (denied != null) {
            throw new IOException(RegionDirectory.accessDenied(socket, denied, uidOrMinusOne()).getMessage());
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IOException("no Vocana host is running (no control socket " + socket
                    + "); start one with './vocana run'");
        }
        if (!a.isOther()) {
            throw new IOException("the control socket " + socket + " is not a socket (a "
                    + (a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symbolic link" : "regular file")
                    + "); remove it, then start the host with './vocana run'");
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (m.contains("Connection refused")) {
                throw new IOException("no Vocana host is running (nothing listens on " + socket
                        + ": the host that made it has stopped); start one with './vocana run'");
            }
            if (m.contains("Permission denied")) {
                throw new IOException("permission denied on " + socket + " (a host of another user?); required: the"
                        + " control socket of a host run by this user");
            }
            throw new IOException("cannot connect to the host's control socket " + socket + " (" + m + ")");
        }
    }

    private static long uidOrMinusOne() {
        try {
            return RegionDirectory.currentUid();
        } catch (RegionException e) {
            return -1;
        }
    }

    /**
     * Sends {@code words} and returns the answer. Throws IOException with a one-line message when
     * no host answers.
     */
    public static Response send(Path socket, List<String> words) throws IOException {
        for (String w : words) {
            if (w.indexOf('\n') >= 0 || w.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("arguments cannot contain line breaks");
            }
        }
        SocketChannel ch = connect(socket);
        try (ch; OutputStream out = Channels.newOutputStream(ch); InputStream in = Channels.newInputStream(ch)) {
            StringBuilder request = new StringBuilder(ControlProtocol.HELLO).append('\n').append(words.size()).append('\n');
            for (String w : words) {
                request.append(w).append('\n');
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int nl = answer.indexOf('\n');
            if (!answer.startsWith(ControlProtocol.STATUS) || nl < 0) {
                throw new IOException("the host on " + socket + " gave a malformed answer (a different version?)");
            }
            int status;
            try {
                status = Integer.parseInt(answer.substring(ControlProtocol.STATUS.length(), nl));
            } catch (NumberFormatException e) {
                throw new IOException("the host on " + socket + " gave a malformed status (a different version?)");
            }
            return new Response(status, answer.substring(nl + 1));
        }
    }
}
