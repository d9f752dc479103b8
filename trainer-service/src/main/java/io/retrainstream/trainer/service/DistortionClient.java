package io.retrainstream.trainer.service;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.common.tf.DistortionRequest;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.common.tf.FeatureRows;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.model.DistortedBatches;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Asks the extractor ({@code POST /distorted-bottlenecks}) for the bottlenecks of distorted training images, with the
 * admin token ({@code retrain.admin-token}) when one is set: the services share it.
 */
@ApplicationScoped
public class DistortionClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final URI endpoint;
    private final AdminToken token;
    private final ExtractorApi extractor;

    @Inject
    public DistortionClient(TrainerConfig config, AdminToken token) {
        this(config.extractorUrl(), token);
    }

    DistortionClient(String extractorUrl, AdminToken token) {
        URI base = URI.create(extractorUrl.replaceAll("/+$", ""));
        this.endpoint = URI.create(base + "/distorted-bottlenecks");
        this.token = token;
        this.extractor = QuarkusRestClientBuilder.newBuilder()
                .baseUri(base)
                .connectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .build(ExtractorApi.class);
    }

    /** Distorted batches of {@code data}'s training rows, whose images are among {@code images}. */
    public DistortedBatches batches(TrainingData data, List<LabelledBottleneck> images, Distortions distortions) {
        Map<String, String> hashes = new HashMap<>();
        for (LabelledBottleneck image : images) {
            hashes.put(image.imageId(), image.contentHash());
        }
        List<String> ids = data.training().ids();
        String[] rowHashes = new String[ids.size()];
        for (int row = 0; row < rowHashes.length; row++) {
            rowHashes[row] = hashes.get(ids.get(row));
        }
        FeatureLayer layer = data.layer();
        int size = data.bottleneckSize();
        return (rows, seed) -> {
            List<String> requested = new java.util.ArrayList<>(rows.length);
            for (int row : rows) {
                requested.add(rowHashes[row]);
            }
            return fetch(
                    new DistortionRequest(
                            requested,
                            distortions.flipLeftRight(),
                            distortions.randomCrop(),
                            distortions.randomScale(),
                            distortions.randomBrightness(),
                            seed,
                            layer.id()),
                    size);
        };
    }

    /** Releases the REST client's connections. */
    @PreDestroy
    void close() throws Exception {
        extractor.close();
    }

    private float[] fetch(DistortionRequest request, int size) {
        try (Response response = post(request)) {
            if (response.getStatus() == Response.Status.UNAUTHORIZED.getStatusCode()) {
                throw new IllegalStateException("The extractor at " + endpoint + " refused the trainer's admin token "
                        + "(HTTP 401): both services need the same retrain.admin-token");
            }
            if (response.getStatus() != Response.Status.OK.getStatusCode()) {
                throw new IllegalStateException("The extractor refused distorted bottlenecks (HTTP "
                        + response.getStatus() + "): " + new String(body(response), StandardCharsets.UTF_8));
            }
            return FeatureRows.decode(body(response), request.images().size(), size);
        }
    }

    /** The extractor's answer, whatever its status (the client's default mapper throws for 4xx and 5xx). */
    private Response post(DistortionRequest request) {
        try {
            return extractor.distortedBottlenecks(token.authorization().orElse(null), request);
        } catch (WebApplicationException e) {
            return e.getResponse();
        } catch (ProcessingException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while asking " + endpoint, e);
            }
            throw new IllegalStateException(
                    "The extractor at " + endpoint + " does not answer (" + e.getMessage()
                            + "); distortions need it running (trainer.extractor-url)",
                    e);
        }
    }

    private static byte[] body(Response response) {
        return response.hasEntity() ? response.readEntity(byte[].class) : new byte[0];
    }
}
