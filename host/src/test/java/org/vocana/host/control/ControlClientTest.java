/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a control command says when it cannot reach a host: the actual reason, one line. */
class ControlClientTest {

    @TempDir
    Path dir;

    private String error(Path socket) {
        IOException e = assertThrows(IOException.class, () -> ControlClient.send(socket, List.of("devices")));
        assertFalse(ControlClient.answers(socket));
        return e.getMessage();
    }

    @Test
    void noSocketMeansNoHost() {
        Path socket = dir.resolve("control.sock");
        assertEquals("no Vocana host is running (no control socket " + socket + "); start one with './vocana run'",
                error(socket));
    }

    @Test
    void aSocketNothingListensOnIsAStoppedHost() throws IOException {
        Path socket = dir.resolve("control.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        // closed without removing the file, as a host that was killed leaves it
        assertEquals("no Vocana host is running (nothing listens on " + socket
                + ": the host that made it has stopped); start one with './vocana run'", error(socket));
    }

    @Test
    void aFileThatIsNoSocketIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("control.sock"), "x");
        assertEquals("the control socket " + file + " is not a socket (a regular file); remove it, then start the host"
                + " with './vocana run'", error(file));
        Path folder = Files.createDirectory(dir.resolve("folder.sock"));
        assertEquals("the control socket " + folder + " is not a socket (a directory); remove it, then start the host"
                + " with './vocana run'", error(folder));
    }
}
