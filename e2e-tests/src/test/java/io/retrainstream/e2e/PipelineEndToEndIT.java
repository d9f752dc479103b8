package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SharedData;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline as users run it: a real KRaft broker, the three packaged services as separate processes,
 * {@code flowers-small} published as image events, {@code mobilenet_0.25_128} from {@code ../shared/models}. The
 * trainer trains on its own as the images arrive (continuous mode), four classes first and tulips later, learnt by a
 * warm-started run; the classifier serves each model.
 */
class PipelineEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARCHITECTURE = "mobilenet_0.25_128";

    private static final Duration STARTUP = Duration.ofMinutes(3);

    private static KafkaBroker broker;
    private static Path root;
    private static Path logs;
    private static Map<String, String> env;
    private static ServiceProcess extractor;
    private static ServiceProcess trainer;
    private static ServiceProcess classifier;

    @BeforeAll
    static void startSystem() {
        ServiceStack stack = ServiceStack.start(ARCHITECTURE, "e2e", Map.of("TRAINER_CONTINUOUS_EVERY", "5s"));
        root = stack.root();
        logs = stack.logs();
        broker = stack.broker();
        env = stack.env();
        extractor = stack.extractor();
        trainer = stack.trainer();
        classifier = stack.classifier();
    }

    @AfterAll
    static void stopSystem() {
        // the trainer may have been restarted by a test: close the one running now
        ServiceStack.closeAll(classifier, trainer, extractor, broker);
    }

    @Test
    void flowerPhotosBecomeAServedModel() throws Exception {
        assertThat(classifier.post("/classify", "image/jpeg", firstDaisy()).statusCode())
                .isEqualTo(503);

        List<Path> photos = photos(SharedData.flowers());
        List<Path> later = photos.stream().filter(PipelineEndToEndIT::isTulips).toList();
        long start = System.nanoTime();
        for (Path photo : photos) {
            if (!isTulips(photo)) {
                broker.publishPhoto(photo);
            }
        }
        System.out.printf("Published %d photos in %.1f s%n", photos.size() - later.size(), seconds(start));

        // Continuous mode: a burst is extracted first (automatic runs yield to a busy extractor), then trained on.
        awaitJson(classifier, "/model", Duration.ofMinutes(10));
        // A class that arrives later is learnt by a run warm-started from the served model, its head grown by a column.
        for (Path photo : later) {
            broker.publishPhoto(photo);
        }
        System.out.printf("Published %d tulips photos %.1f s after the first%n", later.size(), seconds(start));
        JsonNode settledRuns =
                TrainerRuns.settled(trainer, photos.size(), Duration.ofSeconds(8), Duration.ofMinutes(10));
        long lastRunId = settledRuns.get(settledRuns.size() - 1).get("runId").asLong();
        JsonNode lastRun = json(trainer.get("/runs/" + lastRunId));
        JsonNode model = json(classifier.get("/model"));
        System.out.printf(
                "Model version %d served, trainer settled %.1f s after publishing began%n",
                model.get("version").asLong(), seconds(start));
        JsonNode catalog = json(trainer.get("/models"));
        assertThat(model.get("version").asLong())
                .isEqualTo(catalog.get("serving").asLong());
        JsonNode dataset = json(trainer.get("/dataset"));
        assertThat(dataset.get("images").asInt()).isEqualTo(photos.size());
        assertThat(model.get("labels")).hasSize(5);
        double testAccuracy = model.get("metrics").get("testAccuracy").asDouble();
        int testCount = model.get("metrics").get("testCount").asInt();
        System.out.printf("Final test accuracy = %.1f%% (N=%d)%n", testAccuracy * 100, testCount);
        assertThat(testAccuracy).isGreaterThanOrEqualTo(0.65);
        JsonNode freshness = model.get("freshness").get("sinceStart");
        System.out.printf(
                "Freshness, image event to serving: p50 %.1f s, p95 %.1f s over %d images%n",
                freshness.get("p50Seconds").asDouble(),
                freshness.get("p95Seconds").asDouble(),
                freshness.get("images").asInt());
        assertThat(freshness.get("images").asInt()).isPositive();

        JsonNode runs = json(trainer.get("/runs"));
        System.out.printf(
                "Runs: %d (%s)%n",
                runs.size(),
                java.util.stream.StreamSupport.stream(runs.spliterator(), false)
                        .map(r -> r.get("status").asText())
                        .toList());
        assertThat(runs.size()).isBetween(2, 40);
        assertThat(runs.get(0).get("trigger").asText()).isEqualTo("CONTINUOUS");
        assertThat(runs.get(runs.size() - 1).get("report").get("start").asText())
                .startsWith("warm from version");
        testCount = json(trainer.get("/dataset/testing")).get("images").size();

        JsonNode testing = json(trainer.get("/dataset/testing")).get("images");
        assertThat(testing.size()).isEqualTo(testCount);
        assertThat(model.get("metrics").get("testCount").asInt()).isLessThanOrEqualTo(testCount);
        int correct = 0;
        long classifyStart = System.nanoTime();
        for (JsonNode image : testing) {
            byte[] bytes = Files.readAllBytes(
                    SharedData.flowers().resolve(image.get("imageId").asText()));
            HttpResponse<String> reply = classifier.post("/classify", "image/jpeg", bytes);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
            JsonNode predictions = JSON.readTree(reply.body()).get("predictions");
            assertThat(predictions).hasSize(5);
            if (predictions
                    .get(0)
                    .get("label")
                    .asText()
                    .equals(image.get("label").asText())) {
                correct++;
            }
        }
        double top1 = correct / (double) testing.size();
        System.out.printf(
                "/classify top-1 on the test split: %.1f%% (%d/%d), %.1f ms per request%n",
                top1 * 100, correct, testing.size(), seconds(classifyStart) * 1000 / testing.size());
        assertThat(top1).isGreaterThanOrEqualTo(0.65);

        // A photo that is not a photo ends on the dead-letter topic; the extractor goes on.
        broker.produce(
                Topics.IMAGES,
                "broken/not-a-photo.jpg",
                "hello".getBytes(),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "not-a-photo.jpg"));
        assertThat(broker.consume(Topics.IMAGES_DLQ, 1, Duration.ofSeconds(60))
                        .get(0)
                        .key())
                .isEqualTo("broken/not-a-photo.jpg");
        assertThat(extractor.get("/q/health/ready").statusCode()).isEqualTo(200);
        assertThat(classifier.get("/q/metrics").body()).contains("classifier_inference_seconds_count");

        // A restarted trainer rebuilds the same sets from the compacted topic, sees that the newest model already
        // covers them (no new run), and numbers its next model after the newest one.
        String testingBefore = trainer.get("/dataset/testing").body();
        trainer.close();
        trainer = ServiceProcess.start(root, "trainer-service", env, logs.resolve("restarted"));
        trainer.awaitOk("/q/health/ready", STARTUP);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (json(trainer.get("/dataset")).get("images").asInt() < photos.size() && System.nanoTime() < deadline) {
            ServiceProcess.sleep(200);
        }
        assertThat(trainer.get("/dataset/testing").body()).isEqualTo(testingBefore);
        ServiceProcess.sleep(7_000); // longer than the continuous mode's wait
        // No run when the newest model covers every image (all three sets); a run ends REJECTED, or it started
        // before the last validation or test image arrived, leaves one to do.
        JsonNode sets = lastRun.get("report").get("images");
        boolean covered = lastRun.get("status").asText().equals("SUCCEEDED")
                && sets.get("training").asInt()
                                + sets.get("validation").asInt()
                                + sets.get("testing").asInt()
                        == photos.size();
        if (covered) {
            assertThat(json(trainer.get("/runs"))).isEmpty();
        }
        JsonNode run = TrainerRuns.trainAndWait(trainer, JSON.writeValueAsBytes(Map.of("force_publish", true)));
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        long newest = json(trainer.get("/models"))
                .get("versions")
                .get(1)
                .get("version")
                .asLong();
        assertThat(run.get("modelVersion").asLong()).isEqualTo(newest + 1);

        pinnedVersionSurvivesAndALateClassifierServesIt(newest);
        distortedTrainingRunsThroughTheExtractor();
    }

    /** retrain.py's distortions: each step's batch is computed by the extractor from the stored photos. */
    private static void distortedTrainingRunsThroughTheExtractor() throws IOException {
        byte[] options = JSON.writeValueAsBytes(Map.ofEntries(
                Map.entry("mode", "retrain"),
                Map.entry("how_many_training_steps", 6),
                Map.entry("eval_step_interval", 5),
                Map.entry("train_batch_size", 50),
                Map.entry("flip_left_right", true),
                Map.entry("random_crop", 10),
                Map.entry("random_scale", 10),
                Map.entry("random_brightness", 10),
                Map.entry("random_seed", 3),
                Map.entry("force_publish", true)));
        JsonNode run = TrainerRuns.trainAndWait(trainer, options);
        assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertThat(run.get("log").toString()).contains("Distorted 300 training images in");
        assertThat(run.get("report").get("parameters").get("random_crop").asInt())
                .isEqualTo(10);
        assertThat(run.get("testCount").asInt()).isPositive();
        assertThat(extractor.get("/q/metrics").body()).contains("extractor_distorted_images_total 300.0");
        HttpResponse<String> improved = trainer.post(
                "/train", "application/json", JSON.writeValueAsBytes(Map.of("mode", "improved", "random_crop", 10)));
        assertThat(improved.statusCode()).isEqualTo(400);
        assertThat(improved.body()).contains("need mode 'retrain'");
    }

    /**
     * Rollback: a pinned version is served by the running classifier and by one started later (it reads the compacted
     * model topics, not the history), which is also what a restarted classifier does; unpinning returns both to the
     * newest.
     */
    private static void pinnedVersionSurvivesAndALateClassifierServesIt(long version) throws IOException {
        HttpResponse<String> pinned = trainer.post("/models/" + version + "/pin", "application/json", new byte[0]);
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        awaitVersion(classifier, version);
        try (ServiceProcess late = ServiceProcess.start(root, "classifier-service", env, logs.resolve("late"))) {
            late.awaitOk("/q/health/ready", STARTUP);
            assertThat(json(late.get("/model")).get("version").asLong()).isEqualTo(version);
            HttpResponse<String> reply = late.post("/classify", "image/jpeg", firstDaisy());
            assertThat(JSON.readTree(reply.body()).get("modelVersion").asLong()).isEqualTo(version);
            HttpResponse<String> unpinned = trainer.delete("/models/pin");
            assertThat(unpinned.statusCode()).as(unpinned.body()).isEqualTo(200);
            awaitVersion(late, version + 1);
            awaitVersion(classifier, version + 1);
        }
    }

    private static void awaitVersion(ServiceProcess service, long version) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (json(service.get("/model")).get("version").asLong() != version) {
            assertThat(System.nanoTime())
                    .as("%s serves version %d", service, version)
                    .isLessThan(deadline);
            ServiceProcess.sleep(200);
        }
    }

    private static byte[] firstDaisy() throws IOException {
        return Files.readAllBytes(SharedData.flowerPhotos("daisy", 1).get(0));
    }

    private static boolean isTulips(Path photo) {
        return photo.getParent().getFileName().toString().equals("tulips");
    }

    private static List<Path> photos(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2)) {
            return files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
    }

    private static JsonNode awaitJson(ServiceProcess service, String path, Duration timeout) throws IOException {
        service.awaitOk(path, timeout);
        return json(service.get(path));
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
