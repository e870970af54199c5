/*
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.vocana.host.control;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.vocana.host.device.DeviceHost;
import org.vocana.host.ring.RegionDirectory;

/**
 * Serves {@link Control} on the control socket ({@link ControlProtocol}) while the host runs
 * devices. A stale socket file (no one answers) is replaced; one that answers belongs to another
 * host and is left alone (that host keeps control). Each connection is handled on its own virtual
 * thread with a read time-out; a malformed request gets status 2 and a one-line reason.
 */
@Component(immediate = true, service = {})
public final class ControlServer {

    private final Control control;
    private ServerSocketChannel server;
    private Path socket;
    private Thread acceptor;

    @Activate
    public ControlServer(@Reference Control control, @Reference DeviceHost host) {
        this.control = control;
        try {
            Path dir = RegionDirectory.defaultDirectory();
            RegionDirectory.ensureDirectory(dir, RegionDirectory.currentUid());
            socket = ControlProtocol.socketPath();
            if (ControlClient.answers(socket)) {
                System.err.println("vocana: another host answers on " + socket + "; this one has no control socket");
                return;
            }
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            acceptor = Thread.ofPlatform().daemon().name("vocana-control-socket").start(this::accept);
        } catch (IOException e) {
            System.err.println("vocana: no control socket (" + e.getMessage() + "); the shell still works");
            server = null;
        }
    }

    private void accept() {
        while (server != null && server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("vocana-control-client").start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(SocketChannel channel) {
        Thread deadline = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(5_000);
                channel.close(); // a client that does not finish its request in 5 s is dropped
            } catch (InterruptedException | IOException done) {
                // answered in time
            }
        });
        try (channel; OutputStream out = Channels.newOutputStream(channel)) {
            int status;
            String text;
            try {
                List<String> words = readRequest(Channels.newInputStream(channel));
                text = control.run(words);
                status = 0;
            } catch (IllegalArgumentException e) {
                status = 2;
                text = e.getMessage();
            } catch (IllegalStateException | IOException e) {
                status = 1;
                text = e.getMessage();
            } catch (Exception e) {
                status = 70;
                text = "internal error: " + e;
            }
            deadline.interrupt();
            Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write(ControlProtocol.STATUS + status + "\n" + (text == null ? "" : text));
            w.flush();
        } catch (IOException e) {
            // the client went away
        } finally {
            deadline.interrupt();
        }
    }

    /** Reads one request; throws IllegalArgumentException (status 2) when it is malformed. */
    static List<String> readRequest(java.io.InputStream in) throws IOException {
        String hello = readLine(in);
        if (!ControlProtocol.HELLO.equals(hello)) {
            throw new IllegalArgumentException("not a Vocana control request (expected '" + ControlProtocol.HELLO
                    + "', got '" + abbreviate(hello) + "'): client and host versions differ?");
        }
        String countLine = readLine(in);
        int count;
        try {
            count = Integer.parseInt(countLine);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0 || count > ControlProtocol.MAX_WORDS) {
            throw new IllegalArgumentException("malformed control request: word count '" + abbreviate(countLine)
                    + "' (accepted 0.." + ControlProtocol.MAX_WORDS + ")");
        }
        List<String> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            words.add(readLine(in));
        }
        return words;
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IllegalArgumentException("malformed control request: it ended early");
            }
            if (line.size() >= ControlProtocol.MAX_LINE) {
                throw new IllegalArgumentException("malformed control request: a line is longer than "
                        + ControlProtocol.MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    @Deactivate
    void deactivate() {
        ServerSocketChannel s = server;
        server = null;
        if (s != null) {
            try {
                s.close();
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // leaving: a stale socket is replaced by the next host
            }
        }
    }
}
