package io.retrainstream.e2e;

import static io.retrainstream.e2e.BenchmarkSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mirror view end to end ({@code RETRAIN_VIEWS=original,mirror} for every service, as {@code ./retrain up --views
 * original,mirror} sets it): the extractor's events carry each photo's mirror, the trainer learns from both views and
 * publishes a model that says so, and the classifier answers the mean of the head's softmax over a photo and its
 * mirror, which this test computes itself with the project's extractor graph and the published head.
 */
class MirrorViewIT {

    private static final String ARCHITECTURE = "mobilenet_0.25_128";

    private static ServiceStack stack;

    @BeforeAll
    static void startSystem() {
        stack = ServiceStack.start(
                ARCHITECTURE,
                "mirror",
                Map.of(
                        "RETRAIN_VIEWS",
                        "original,mirror",
                        "TRAINER_CONTINUOUS_ENABLED",
                        "false",
                        "TRAINER_QUIET_PERIOD",
                        "1h"));
    }

    @AfterAll
    static void stopSystem() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aModelLearntFromBothViewsIsServedAsTheMeanOverThePhotoAndItsMirror() throws Exception {
        KafkaBroker broker = stack.broker();
        List<Path> photos;
        try (Stream<Path> files = Files.walk(SharedData.flowers())) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        photos.forEach(broker::publishPhoto);
        List<BottleneckComputed> events =
                broker.consume(Topics.BOTTLENECKS, photos.size(), Duration.ofMinutes(5)).stream()
                        .map(record -> BottleneckComputed.decode(record.value()))
                        .toList();
        assertThat(events).allSatisfy(event -> assertThat(event.mirror()).hasSize(256));

        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (json(stack.trainer().get("/dataset")).get("images").asInt() < photos.size()) {
            assertThat(System.nanoTime()).as("the trainer's dataset fills").isLessThan(deadline);
            ServiceProcess.sleep(200);
        }
        JsonNode run = TrainerRuns.trainAndWait(stack.trainer(), "{}".getBytes());
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");

        long version = run.get("modelVersion").asLong();
        ModelPublished model = broker.consume(Topics.MODELS, (int) version, Duration.ofSeconds(60)).stream()
                .map(record -> ModelPublished.decode(record.value()))
                .filter(published -> published.version() == version)
                .findFirst()
                .orElseThrow();
        assertThat(model.views()).containsExactly("original", "mirror");
        Head head = model.head();
        assertThat(head.mirrored()).isTrue();
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (stack.classifier().get("/model").statusCode() != 200
                || json(stack.classifier().get("/model")).get("version").asLong() != version) {
            assertThat(System.nanoTime()).as("the classifier serves the model").isLessThan(deadline);
            ServiceProcess.sleep(200);
        }
        JsonNode served = json(stack.classifier().get("/model"));
        assertThat(served.get("version").asLong()).isEqualTo(model.version());

        // The classifier's answer is the mean of the head's softmax over the photo and its mirror, as computed here
        Architecture architecture = Architecture.of(ARCHITECTURE);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        JsonNode testing = json(stack.trainer().get("/dataset/testing")).get("images");
        int correct = 0;
        try (FeatureExtractor views = new FeatureExtractor(
                architecture,
                graph,
                4,
                ParallelRuns.ONE,
                new DecodeBudget(ImageLimits.DEFAULT, architecture.inputSize()),
                true)) {
            for (JsonNode image : testing) {
                byte[] bytes = Files.readAllBytes(
                        SharedData.flowers().resolve(image.get("imageId").asText()));
                HttpResponse<String> reply = stack.classifier().post("/classify", "image/jpeg", bytes);
                assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                JsonNode predictions =
                        BenchmarkSupport.JSON.readTree(reply.body()).get("predictions");
                Features features = views.extract(bytes);
                float[] expected = head.softmax(features);
                float[] photoAlone = head.softmax(features.pooled());
                for (JsonNode prediction : predictions) {
                    int c = head.labels().indexOf(prediction.get("label").asText());
                    assertThat(prediction.get("score").asDouble())
                            .as(image.get("imageId").asText() + " " + prediction.get("label"))
                            .isCloseTo(expected[c], offset(2e-3));
                }
                if (predictions
                        .get(0)
                        .get("label")
                        .asText()
                        .equals(image.get("label").asText())) {
                    correct++;
                }
                if (Head.argMax(expected) != Head.argMax(photoAlone)) {
                    System.out.printf(
                            "%s: the mean over both views says %s, the photo alone %s%n",
                            image.get("imageId").asText(),
                            head.labels().get(Head.argMax(expected)),
                            head.labels().get(Head.argMax(photoAlone)));
                }
            }
        }
        double top1 = correct / (double) testing.size();
        double reported = model.metrics().testAccuracy();
        System.out.printf(
                "Mirror view: /classify top-1 on the test split %.1f%% (%d/%d), the run reported %.1f%%%n",
                top1 * 100, correct, testing.size(), reported * 100);
        // the trainer tests the way the classifier answers (its stored vectors are rounded, so allow a photo or two)
        assertThat(top1).isCloseTo(reported, offset(2.5 / testing.size()));
        assertThat(top1).isGreaterThanOrEqualTo(0.65);
    }
}
