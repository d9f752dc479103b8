package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.quarkus.AdminToken;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.common.tf.FeatureRows;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.model.DistortedBatches;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trainer's calls to the extractor's distortion endpoint carry the shared admin token. A Quarkus test: the REST
 * Client it uses only runs inside a Quarkus application (the same one as {@code TrainerServiceTest}'s).
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class DistortionClientTest {

    private HttpServer extractor;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        extractor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        extractor.createContext("/distorted-bottlenecks", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.getRequestBody().readAllBytes();
            byte[] body = status == 200
                    ? FeatureRows.encode(new float[][] {{1, 2}, {3, 4}}, 2)
                    : "{\"message\":\"no\"}".getBytes();
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        extractor.start();
    }

    @AfterEach
    void stop() {
        if (extractor != null) {
            extractor.stop(0);
        }
    }

    private DistortedBatches batches(AdminToken token) {
        List<LabelledBottleneck> images = new ArrayList<>();
        for (String label : List.of("a", "b")) {
            images.add(new LabelledBottleneck(
                    label + "/1",
                    label,
                    label + "1.jpg",
                    "0".repeat(63) + label.length(),
                    DataSet.TRAINING,
                    new float[] {0, 0},
                    new float[0],
                    0L));
        }
        TrainingData data = TrainingData.of(List.of("a", "b"), images);
        String url = "http://127.0.0.1:" + extractor.getAddress().getPort() + "/";
        return new DistortionClient(url, token).batches(data, images, new Distortions(true, 0, 0, 0));
    }

    @Test
    void sendsTheConfiguredTokenAndNoneWhenOpen() {
        assertThat(batches(new AdminToken(Optional.of("shared-token-1234567"))).fetch(new int[] {0, 1}, 1))
                .containsExactly(1, 2, 3, 4);
        batches(new AdminToken(Optional.empty())).fetch(new int[] {0, 1}, 1);
        assertThat(authorizations).containsExactly("Bearer shared-token-1234567", "null");
    }

    @Test
    void aRefusedTokenSaysThatBothServicesNeedTheSameOne() {
        status = 401;
        assertThatThrownBy(() ->
                        batches(new AdminToken(Optional.of("other-token"))).fetch(new int[] {0}, 1))
                .hasMessageContaining("both services need the same retrain.admin-token");
    }

    @Test
    void anotherRefusalNamesItsStatusAndBody() {
        status = 400;
        assertThatThrownBy(() -> batches(new AdminToken(Optional.empty())).fetch(new int[] {0}, 1))
                .hasMessage("The extractor refused distorted bottlenecks (HTTP 400): {\"message\":\"no\"}");
    }

    @Test
    void anExtractorThatIsNotRunningIsNamedWithItsSetting() {
        DistortedBatches batches = batches(new AdminToken(Optional.empty()));
        extractor.stop(0);
        extractor = null;
        assertThatThrownBy(() -> batches.fetch(new int[] {0}, 1))
                .hasMessageContaining("does not answer")
                .hasMessageContaining("trainer.extractor-url");
    }
}
