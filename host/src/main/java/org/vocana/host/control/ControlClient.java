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
import java.nio.file.Path;
import java.util.List;

/** Sends one control request to a running host ({@link ControlProtocol}). */
public final class ControlClient {

    /** The host's answer. */
    public record Response(int status, String text) {
    }

    private ControlClient() {
    }

    /** True if a host answers on {@code socket}. */
    public static boolean answers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
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
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("no Vocana host is running (nothing answers on " + socket
                    + "); start one with './vocana run'");
        }
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
