package io.retrainstream.cli.stack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.retrainstream.cli.CliException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;

/**
 * HTTP calls to the services, with JSON replies and errors that say what to do. Every call but a health probe carries
 * the admin token ({@link AdminToken}) as {@code Authorization: Bearer} when there is one.
 */
public final class ServiceHttp {

    public static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final int HTTP_UNAUTHORIZED = 401;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final Duration requestTimeout;
    private final Optional<AdminToken.Found> token;
    private final String tokenWhere;

    public ServiceHttp(Workspace workspace, Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        this.token = AdminToken.find(workspace);
        this.tokenWhere = AdminToken.where(workspace);
    }

    public ServiceHttp(Workspace workspace) {
        this(workspace, DEFAULT_REQUEST_TIMEOUT);
    }

    /** A reply: its status and body. */
    public record Reply(int status, String body) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as JSON; a missing node when it is not JSON. */
        public JsonNode json() {
            try {
                return body == null || body.isBlank() ? MissingNode.getInstance() : JSON.readTree(body);
            } catch (JsonProcessingException e) {
                return MissingNode.getInstance();
            }
        }

        /** The {@code message} field of a JSON body, else the body itself (shortened), else the status. */
        public String message() {
            JsonNode message = json().path("message");
            if (message.isTextual() && !message.asText().isBlank()) {
                return message.asText();
            }
            if (body != null && !body.isBlank()) {
                String trimmed = body.strip();
                return trimmed.length() > 300 ? trimmed.substring(0, 300) + "..." : trimmed;
            }
            return "HTTP " + status;
        }
    }

    public Reply get(String url) {
        return send(HttpRequest.newBuilder(uri(url)).GET().header("Accept", "application/json"), url);
    }

    public Reply delete(String url) {
        return send(HttpRequest.newBuilder(uri(url)).DELETE().header("Accept", "application/json"), url);
    }

    public Reply post(String url, byte[] body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(url))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Accept", "application/json");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request, url);
    }

    /** The status of {@code GET url}, or empty when nothing answers (for health probes: never throws). */
    Optional<Integer> probe(String url) {
        return probe(url, PROBE_TIMEOUT);
    }

    /** The status of {@code GET url}, or empty when nothing answers within {@code timeout}. Sends no token. */
    Optional<Integer> probe(String url, Duration timeout) {
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(uri(url)).GET().timeout(timeout).build();
            return Optional.of(
                    client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private Reply send(HttpRequest.Builder request, String url) {
        token.ifPresent(found -> request.header("Authorization", "Bearer " + found.token()));
        try {
            HttpRequest built = request.timeout(requestTimeout).build();
            HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == HTTP_UNAUTHORIZED) {
                throw new CliException(unauthorized(built.method(), url));
            }
            return new Reply(response.statusCode(), response.body());
        } catch (ConnectException e) {
            throw new CliException(
                    "Nothing answers at " + url + ". Is retrain-stream running? Check with "
                            + "./retrain status; start it with ./retrain up.",
                    e);
        } catch (HttpTimeoutException e) {
            throw new CliException(
                    "No reply from " + url + " within " + requestTimeout.toSeconds()
                            + " s. See ./retrain status and the logs in .retrain/logs/.",
                    e);
        } catch (IOException e) {
            throw new CliException("Request to " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted while calling " + url, e);
        }
    }

    private String unauthorized(String method, String url) {
        return method + " " + url + " was refused (HTTP 401): the service requires the admin token and "
                + token.map(found ->
                                "refused the one from " + found.source() + ", which is not the one it was started with")
                        .orElse("no token was found")
                + ". ./retrain reads it from " + tokenWhere + "; ./retrain up gives the services the same one.";
    }

    private static URI uri(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new CliException("Not a valid URL: " + url);
        }
    }

    /** Joins a base URL given by the user (with or without a trailing slash) and a path. */
    public static String join(String base, String path) {
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed + path;
    }
}
