package io.retrainstream.cli.stack;

import io.retrainstream.cli.UsageException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** {@code ./retrain up --listen ADDRESS}: the address the services listen on, checked before anything starts. */
final class ListenAddress {

    private ListenAddress() {}

    /** An IP address literal of this machine, or a wildcard (0.0.0.0, ::); never a host name to look up. */
    static String check(String value) throws UsageException {
        String address = value.strip();
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        boolean ipv4 = address.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = address.contains(":") && address.matches("[0-9A-Fa-f:.]+");
        if (!ipv4 && !ipv6) {
            throw new UsageException("--listen takes an IP address of this machine (e.g. 127.0.0.1, 0.0.0.0 "
                    + "for every interface, or one interface's address), not '" + value + "'");
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        } catch (IOException e) {
            throw new UsageException("--listen " + value + ": cannot listen on it here (" + e.getMessage()
                    + "); give an address of one of this machine's interfaces");
        }
        return address;
    }
}
