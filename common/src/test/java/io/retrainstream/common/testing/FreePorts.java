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
        return consecutive(2);
    }

    /** The first of {@code count} consecutive free ports (a broker's client and controller port each). */
    public static int consecutive(int count) {
        for (int i = 0; i < 50; i++) {
            int port = any();
            if (port > 65536 - count) {
                continue;
            }
            if (allFree(port + 1, count - 1)) {
                return port;
            }
        }
        throw new IllegalStateException("No " + count + " free consecutive ports");
    }

    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                // free
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
