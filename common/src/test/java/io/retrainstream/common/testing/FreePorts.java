package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free local TCP ports for the processes a test starts. A port is handed out once per JVM (with a pair, its successor
 * too): the system may offer a port that was just closed again, and two services of one stack must never get the same
 * one.
 */
public final class FreePorts {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {}

    /** A port no socket listens on now, and that this JVM has not handed out before. */
    public static synchronized int any() {
        for (int i = 0; i < 100; i++) {
            int port = open();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port that was not handed out already");
    }

    /** A free port whose successor (a broker's controller port) is free too; neither was handed out before. */
    public static synchronized int pair() {
        for (int i = 0; i < 100; i++) {
            int port = open();
            if (port >= 65535 || HANDED_OUT.contains(port) || HANDED_OUT.contains(port + 1)) {
                continue;
            }
            try (ServerSocket next = new ServerSocket(port + 1)) {
                HANDED_OUT.add(port);
                HANDED_OUT.add(port + 1);
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("No two free consecutive ports");
    }

    private static int open() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
