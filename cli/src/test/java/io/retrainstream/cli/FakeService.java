package io.retrainstream.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Stands in for a Quarkus service in {@link UpDownIT}: packed alone into a {@code quarkus-run.jar}, it answers the
 * health endpoints on {@code QUARKUS_HTTP_HOST}:{@code QUARKUS_HTTP_PORT} and writes the environment it was given to
 * {@code fake-<port>.env} in its working folder. Uses the JDK only.
 */
public final class FakeService {

    private FakeService() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv("QUARKUS_HTTP_PORT"));
        String host = System.getenv().getOrDefault("QUARKUS_HTTP_HOST", "0.0.0.0");
        String env = List.of(
                                "KAFKA_BOOTSTRAP_SERVERS",
                                "RETRAIN_ARCHITECTURE",
                                "RETRAIN_MODEL_DIR",
                                "TRAINER_QUIET_PERIOD",
                                "TRAINER_EXTRACTOR_URL",
                                "TF_CPP_MIN_LOG_LEVEL",
                                "QUARKUS_HTTP_HOST",
                                "RETRAIN_ADMIN_TOKEN")
                        .stream()
                        .map(name -> name + "=" + System.getenv(name))
                        .collect(Collectors.joining("\n"))
                + "\njavacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir") + "\n";
        Files.writeString(Path.of("fake-" + port + ".env"), env);
        // Where Quarkus listens: quarkus.http.host, 0.0.0.0 by default in production mode
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/q/health", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("Fake service listening on " + port);
    }
}
