package io.retrainstream.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets a process listens on, read from Linux's {@code /proc} as {@code ss -ltnp} does: the socket inodes
 * among the process's open files, looked up in {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 */
public final class Listeners {

    /** {@code st} of a listening socket in {@code /proc/net/tcp}. */
    private static final String LISTEN = "0A";

    /** A listening socket: its local address as {@code ss} prints it, and its port. */
    public record Listener(String address, int port) {

        public boolean loopback() {
            return address.startsWith("127.") || address.equals("::1");
        }

        @Override
        public String toString() {
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        }
    }

    private Listeners() {}

    public static boolean supported() {
        return Files.isReadable(Path.of("/proc/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** The sockets process {@code pid} listens on. */
    public static List<Listener> of(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the open files of pid " + pid, e);
        }
        List<Listener> listeners = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            if (!Files.isReadable(Path.of(table))) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields[3].equals(LISTEN) && inodes.contains(fields[9])) {
                        String[] local = fields[1].split(":");
                        listeners.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + table, e);
            }
        }
        return listeners;
    }

    /** {@code 0100007F} is 127.0.0.1 (little-endian words); IPv6 is four such words. */
    private static String address(String hex) {
        if (hex.length() == 8) {
            long value = Long.parseLong(hex, 16);
            return (value & 0xFF) + "." + (value >> 8 & 0xFF) + "." + (value >> 16 & 0xFF) + "." + (value >> 24 & 0xFF);
        }
        StringBuilder bytes = new StringBuilder();
        for (int word = 0; word < 4; word++) {
            String w = hex.substring(word * 8, word * 8 + 8);
            for (int b = 3; b >= 0; b--) {
                bytes.append(w, b * 2, b * 2 + 2);
            }
        }
        String all = bytes.toString();
        if (all.equals("00000000000000000000000000000000")) {
            return "::";
        }
        if (all.equals("00000000000000000000000000000001")) {
            return "::1";
        }
        if (all.startsWith("00000000000000000000FFFF")) {
            return address(reverse(all.substring(24)));
        }
        StringBuilder text = new StringBuilder();
        for (int group = 0; group < 8; group++) {
            text.append(group == 0 ? "" : ":")
                    .append(Integer.toHexString(Integer.parseInt(all.substring(group * 4, group * 4 + 4), 16)));
        }
        return text.toString();
    }

    private static String reverse(String bigEndianHex) {
        return bigEndianHex.substring(6, 8)
                + bigEndianHex.substring(4, 6)
                + bigEndianHex.substring(2, 4)
                + bigEndianHex.substring(0, 2);
    }
}
