package io.retrainstream.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A tiny HTTP server in the test JVM standing in for a service: each path answers with a function of the request. */
public final class FakeHttp implements AutoCloseable {

    /** A request as received. */
    public record Request(String method, String pathAndQuery, String contentType, String authorization, byte[] body) {}

    /** A reply: status and JSON body. */
    public record Reply(int status, String json) {}

    private final HttpServer server;
    public final List<Request> requests = new CopyOnWriteArrayList<>();

    public FakeHttp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers requests whose path starts with {@code path}. */
    public FakeHttp route(String path, Function<Request, Reply> handler) {
        server.createContext(path, exchange -> {
            Request request = new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestBody().readAllBytes());
            requests.add(request);
            Reply reply = handler.apply(request);
            byte[] body = reply.json().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
