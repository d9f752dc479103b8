package io.retrainstream.trainer.service;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.common.tf.DistortionRequest;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.common.tf.FeatureRows;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.model.DistortedBatches;
import io.retrainstream.trainer.model.LabelledBottleneck;
import io.retrainstream.trainer.model.TrainingData;

/**
 * Asks the extractor ({@code POST /distorted-bottlenecks}) for the bottlenecks of distorted training images, with the
 * admin token ({@code retrain.admin-token}) when one is set: the services share it.
 */
@ApplicationScoped
public class DistortionClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final URI endpoint;
    private final AdminToken token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Inject
    public DistortionClient(TrainerConfig config, AdminToken token) {
        this(config.extractorUrl(), token);
    }

    DistortionClient(String extractorUrl, AdminToken token) {
        this.endpoint = URI.create(extractorUrl.replaceAll("/+$", "") + "/distorted-bottlenecks");
        this.token = token;
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
            return fetch(new DistortionRequest(requested, distortions.flipLeftRight(), distortions.randomCrop(),
                    distortions.randomScale(), distortions.randomBrightness(), seed, layer.id()), size);
        };
    }

    private float[] fetch(DistortionRequest request, int size) {
        HttpResponse<byte[]> response;
        try {
            HttpRequest.Builder post = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)));
            token.authorization().ifPresent(value -> post.header("Authorization", value));
            response = http.send(post.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode the distortion request: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("The extractor at " + endpoint + " does not answer (" + e.getMessage()
                    + "); distortions need it running (trainer.extractor-url)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while asking " + endpoint, e);
        }
        if (response.statusCode() == 401) {
            throw new IllegalStateException("The extractor at " + endpoint + " refused the trainer's admin token "
                    + "(HTTP 401): both services need the same retrain.admin-token");
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("The extractor refused distorted bottlenecks (HTTP "
                    + response.statusCode() + "): " + new String(response.body(), StandardCharsets.UTF_8));
        }
        return FeatureRows.decode(response.body(), request.images().size(), size);
    }
}
