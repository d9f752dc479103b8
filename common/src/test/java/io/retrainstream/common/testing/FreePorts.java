package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free local TCP ports for the processes a test starts. A port is handed out once per JVM (with a pair or a run of
 * consecutive ports, every one of them): the system may offer a port that was just closed again, and two services of
 * one stack must never get the same one.
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
        return consecutive(2);
    }

    /**
     * The first of {@code count} consecutive free ports (a broker's client and controller port each), none handed out
     * before.
     */
    public static synchronized int consecutive(int count) {
        for (int i = 0; i < 100; i++) {
            int port = open();
            if (port > 65536 - count || !allFree(port, count)) {
                continue;
            }
            for (int p = port; p < port + count; p++) {
                HANDED_OUT.add(p);
            }
            return port;
        }
        throw new IllegalStateException("No " + count + " free consecutive ports");
    }

    /** Whether none of the {@code count} ports from {@code first} was handed out or is bound now. */
    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            if (HANDED_OUT.contains(port)) {
                return false;
            }
            if (port == first) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port)) {
                // free
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static int open() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
