package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Free local TCP ports for the processes a test starts. */
public final class FreePorts {

    private FreePorts() {}

    /** A port no socket listens on now. */
    public static int any() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A free port whose successor (a broker's controller port) is free too. */
    public static int pair() {
        for (int i = 0; i < 50; i++) {
            int port = any();
            if (port >= 65535) {
                continue;
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("No two free consecutive ports");
    }
}
