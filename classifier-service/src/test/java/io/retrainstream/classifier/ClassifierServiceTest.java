package io.retrainstream.classifier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The classifier's model consumption, hot swap and HTTP API against a real broker and the real MobileNet. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClassifierServiceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<String> LABELS = List.of("daisy", "roses", "tulips");

    private static FeatureExtractor extractor;
    private static byte[] daisy;

    @BeforeAll
    static void loadExtractor() {
        Architecture architecture = Architecture.of(ARCHITECTURE);
        extractor = new FeatureExtractor(
                architecture, ModelFiles.locateGraph(architecture, Optional.of(SharedData.models())), 1);
        daisy = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
    }

    @AfterAll
    static void closeExtractor() {
        extractor.close();
    }

    @Test
    @Order(1)
    void answers503BeforeAnyModel() {
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify")
                .then()
                .statusCode(503)
                .body("message", containsString("No model has been published yet"));
        given().get("/q/health/ready").then().statusCode(503).body(containsString("no model published yet"));
    }

    @Test
    @Order(2)
    void servesAPublishedModelWithTheExtractorsPreprocessing() {
        ModelPublished model = model(1, new Random(1));
        KafkaBrokerResource.broker().produce(Topics.MODELS, model.key(), model.encode(), Map.of());
        await().atMost(TIMEOUT)
                .untilAsserted(
                        () -> given().get("/model").then().statusCode(200).body("version", equalTo(1)));

        JsonPath reply = given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?top_k=2")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(reply.getLong("modelVersion")).isEqualTo(1);
        assertThat(reply.getString("architecture")).isEqualTo(ARCHITECTURE);
        List<Map<String, Object>> predictions = reply.getList("predictions");
        assertThat(predictions).hasSize(2);

        // The same scores as the head computed by hand on the extractor's bottleneck of the same image.
        float[] expected = softmax(extractor.extract(daisy).bottleneck(), model);
        int best = argMax(expected);
        assertThat(predictions.get(0).get("label")).isEqualTo(LABELS.get(best));
        assertThat(((Number) predictions.get(0).get("score")).floatValue())
                .isCloseTo(expected[best], org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(((Number) predictions.get(0).get("score")).floatValue())
                .isGreaterThanOrEqualTo(((Number) predictions.get(1).get("score")).floatValue());

        given().multiPart("image", "daisy.jpg", daisy, "image/jpeg")
                .post("/classify")
                .then()
                .statusCode(200)
                .body("predictions.size()", equalTo(3))
                .body("modelVersion", equalTo(1));
        given().get("/q/health/ready").then().statusCode(200);

        // Freshness: the two images first learned by this model waited ~5 s and ~1 s from their events to serving.
        JsonPath served = given().get("/model").then().extract().jsonPath();
        assertThat(served.getInt("freshness.servingModel.images")).isEqualTo(2);
        assertThat(served.getDouble("freshness.servingModel.p95Seconds")).isBetween(5.0, 60.0);
        assertThat(served.getDouble("freshness.servingModel.p50Seconds")).isBetween(1.0, 56.0);
        assertThat(served.getMap("metrics")).doesNotContainKey("newImageTimes");
        given().get("/q/metrics").then().body(containsString("classifier_model_freshness_seconds_count 2"));
    }

    @Test
    @Order(3)
    void belowTheMinimumScoreTheAnswerIsUnknownWithTheBestGuessAlongside() {
        // version 1 (published above) is served
        float[] expected = softmax(extractor.extract(daisy).bottleneck(), model(1, new Random(1)));
        int best = argMax(expected);
        float top = expected[best];
        assertThat(top).as("the test model's top score leaves room above it").isLessThan(0.999f);

        // the configuration's min-score (1 in the tests' application.properties) applies when the request gives none
        JsonPath configured = classify("");
        assertThat(configured.getString("label")).isEqualTo("unknown");
        assertThat(configured.getDouble("minScore")).isEqualTo(1.0);
        assertThat(configured.getString("bestGuess.label")).isEqualTo(LABELS.get(best));
        assertThat(configured.getFloat("bestGuess.score")).isCloseTo(top, org.assertj.core.data.Offset.offset(1e-4f));
        // the predictions stay as they are, so clients that read them keep working
        assertThat(configured.getString("predictions[0].label")).isEqualTo(LABELS.get(best));
        assertThat(configured.getList("predictions")).hasSize(3);

        // a request's min_score overrides it: at or below the top score the answer names the class
        JsonPath named = classify("?min_score=" + Math.max(0, top - 0.01f));
        assertThat(named.getString("label")).isEqualTo(LABELS.get(best));
        assertThat(named.<Object>get("bestGuess")).isNull();
        assertThat(classify("?min_score=0").getString("label")).isEqualTo(LABELS.get(best));
        JsonPath above = classify("?top_k=1&min_score=" + (top + 1) / 2);
        assertThat(above.getString("label")).isEqualTo("unknown");
        assertThat(above.getString("bestGuess.label")).isEqualTo(LABELS.get(best));
        assertThat(above.getList("predictions")).hasSize(1);
        given().multiPart("image", "daisy.jpg", daisy, "image/jpeg")
                .post("/classify?min_score=0.0")
                .then()
                .statusCode(200)
                .body("label", equalTo(LABELS.get(best)));

        for (String bad : List.of("abc", "1.5", "-0.1", "NaN", "Infinity", "0,5")) {
            given().contentType("image/jpeg")
                    .body(daisy)
                    .post("/classify?min_score=" + bad)
                    .then()
                    .statusCode(400)
                    .body("message", containsString("min_score must be a number from 0 to 1"))
                    .body("message", containsString("got '" + bad + "'"));
        }
    }

    private static JsonPath classify(String query) {
        return given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    @Order(3)
    void refusesBadRequestsWithAReason() throws Exception {
        given().contentType("image/jpeg")
                .body("this is no image".getBytes())
                .post("/classify")
                .then()
                .statusCode(400)
                .body("message", containsString("Not a decodable image"));
        given().contentType("image/jpeg")
                .body(java.util.Arrays.copyOf(daisy, 500))
                .post("/classify")
                .then()
                .statusCode(400)
                .body("message", containsString("cannot decode"));
        assertThat(postLarge(new byte[3 * 1024 * 1024])).isEqualTo(413);
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?top_k=0")
                .then()
                .statusCode(400)
                .body("message", containsString("top_k"));
        given().multiPart("other", "x.jpg", daisy, "image/jpeg")
                .post("/classify")
                .then()
                .statusCode(400)
                .body("message", containsString("no field 'image'"));
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?top_k=abc")
                .then()
                .statusCode(400)
                .body("message", containsString("top_k must be a positive integer, got 'abc'"));
        given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify?top_k=-3")
                .then()
                .statusCode(400)
                .body("message", containsString("top_k"));
        // A 660 KB JPEG of 13000 x 13000 pixels: refused from its header, and the next photo is served
        given().contentType("image/jpeg")
                .body(HostileImages.jpegBomb(13000, 13000))
                .post("/classify")
                .then()
                .statusCode(413)
                .body("message", containsString("13000 x 13000"))
                .body("message", containsString("retrain.max-image-pixels"));
        given().contentType("image/png")
                .body(HostileImages.pngBomb(13000, 13000, 13000))
                .post("/classify")
                .then()
                .statusCode(413);
        given().contentType("image/jpeg").body(daisy).post("/classify").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    @Order(7)
    void aFullQueueAnswers503WithRetryAfterAtOnce() throws Exception {
        // Incompressible PNGs of ~1.9 MB: past retrain.classifier.max-queued-bytes (3 MB in tests) after the first
        java.util.Random random = new java.util.Random(5);
        var noise = new java.awt.image.BufferedImage(800, 780, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        byte[] large = HostileImages.encode(noise, "png");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            List<java.util.concurrent.Future<io.restassured.response.Response>> replies = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                replies.add(pool.submit(
                        () -> given().contentType("image/png").body(large).post("/classify")));
            }
            int served = 0;
            int refused = 0;
            for (var reply : replies) {
                var response = reply.get();
                if (response.statusCode() == 200) {
                    served++;
                } else {
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(response.header("Retry-After")).isEqualTo("1");
                    assertThat(response.jsonPath().getString("message")).contains("max-queued-bytes");
                    assertThat(response.time()).isLessThan(5000);
                    refused++;
                }
            }
            assertThat(served).isPositive();
            assertThat(refused).isPositive();
        } finally {
            pool.shutdownNow();
        }
        given().contentType("image/jpeg").body(daisy).post("/classify").then().statusCode(200);
    }

    @Test
    @Order(4)
    void badModelsAreRefusedAndTheServedModelStays() {
        var broker = KafkaBrokerResource.broker();
        broker.produce(Topics.MODELS, "junk", "not a model".getBytes(), Map.of());
        ModelPublished good = model(1, new Random(2));
        ModelPublished unavailable = new ModelPublished(
                5,
                "mobilenet_1.0_224",
                null,
                good.labels(),
                good.bottleneckSize(),
                good.weights(),
                good.biases(),
                good.metrics(),
                System.currentTimeMillis());
        broker.produce(Topics.MODELS, unavailable.key(), unavailable.encode(), Map.of());
        ModelPublished newer = model(6, new Random(3));
        broker.produce(Topics.MODELS, newer.key(), newer.encode(), Map.of());
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model").then().body("version", equalTo(6)));

        ModelPublished stale = model(3, new Random(4));
        broker.produce(Topics.MODELS, stale.key(), stale.encode(), Map.of());
        ModelPublished unavailableNewest = new ModelPublished(
                7,
                "mobilenet_1.0_224",
                null,
                good.labels(),
                good.bottleneckSize(),
                good.weights(),
                good.biases(),
                good.metrics(),
                System.currentTimeMillis());
        broker.produce(Topics.MODELS, unavailableNewest.key(), unavailableNewest.encode(), Map.of());
        ModelPublished otherGraph = new ModelPublished(
                8,
                ARCHITECTURE + "@sha256:0123456789ab",
                null,
                good.labels(),
                good.bottleneckSize(),
                good.weights(),
                good.biases(),
                good.metrics(),
                System.currentTimeMillis());
        broker.produce(Topics.MODELS, otherGraph.key(), otherGraph.encode(), Map.of());
        // Wrong-shaped weights (a float short), labels that do not fit (one repeated), NaN weights.
        byte[] encoded = model(9, new Random(5)).encode();
        broker.produce(Topics.MODELS, "000000000009", java.util.Arrays.copyOf(encoded, encoded.length - 4), Map.of());
        byte[] repeated = new String(model(10, new Random(6)).encode(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("\"roses\"", "\"daisy\"")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        broker.produce(Topics.MODELS, "000000000010", repeated, Map.of());
        ModelPublished nan = model(11, new Random(7));
        nan.weights()[17] = Float.NaN;
        broker.produce(Topics.MODELS, nan.key(), nan.encode(), Map.of());
        broker.consume(Topics.MODELS, 10, TIMEOUT);
        await().pollDelay(Duration.ofSeconds(2)).atMost(TIMEOUT).untilAsserted(() -> given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify")
                .then()
                .statusCode(200)
                .body("modelVersion", equalTo(6)));
        given().get("/q/metrics")
                .then()
                .body(containsString("classifier_models_total{outcome=\"refused\"}"))
                .body(containsString("classifier_model_version 6.0"));
    }

    @Test
    @Order(5)
    void concurrentRequestsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        List<byte[]> images = new java.util.ArrayList<>();
        for (String label : List.of("daisy", "roses", "tulips", "sunflowers")) {
            SharedData.flowerPhotos(label, 4).forEach(path -> images.add(SharedData.read(path)));
        }
        images.add("not an image at all".getBytes());
        List<String> alone = new java.util.ArrayList<>();
        for (byte[] image : images) {
            var response = given().contentType("image/jpeg").body(image).post("/classify");
            alone.add(response.statusCode() + " "
                    + (response.statusCode() == 200
                            ? response.jsonPath().getString("predictions[0].label") + " "
                                    + Math.round(response.jsonPath().getFloat("predictions[0].score") * 1000)
                            : ""));
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(images.size());
        try {
            for (int round = 0; round < 3; round++) {
                List<java.util.concurrent.Future<String>> together = new java.util.ArrayList<>();
                for (byte[] image : images) {
                    together.add(pool.submit(() -> {
                        var response =
                                given().contentType("image/jpeg").body(image).post("/classify");
                        return response.statusCode() + " "
                                + (response.statusCode() == 200
                                        ? response.jsonPath().getString("predictions[0].label") + " "
                                                + Math.round(
                                                        response.jsonPath().getFloat("predictions[0].score") * 1000)
                                        : "");
                    }));
                }
                for (int i = 0; i < images.size(); i++) {
                    assertThat(together.get(i).get()).as("image %d", i).isEqualTo(alone.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(alone.get(alone.size() - 1)).startsWith("400");
        String metrics = given().get("/q/metrics").asString();
        double maxBatch = Double.parseDouble(metrics.lines()
                .filter(l -> l.startsWith("classifier_batch_size_max"))
                .findFirst()
                .orElseThrow()
                .replaceAll(".* ", ""));
        assertThat(maxBatch).isGreaterThan(1);
    }

    @Test
    @Order(6)
    void followsThePointerToAPinnedVersionAndBackToTheNewest() {
        var broker = KafkaBrokerResource.broker();
        broker.produce(
                Topics.MODEL_POINTER,
                Topics.POINTER_KEY,
                new io.retrainstream.common.event.ModelPinned(1L, 0).encode(),
                Map.of());
        await().atMost(TIMEOUT).untilAsserted(() -> given().contentType("image/jpeg")
                .body(daisy)
                .post("/classify")
                .then()
                .statusCode(200)
                .body("modelVersion", equalTo(1)));
        given().get("/model").then().body("pinned", equalTo(1));

        broker.produce(
                Topics.MODEL_POINTER,
                Topics.POINTER_KEY,
                new io.retrainstream.common.event.ModelPinned(99L, 0).encode(),
                Map.of());
        broker.produce(Topics.MODEL_POINTER, Topics.POINTER_KEY, "{broken".getBytes(), Map.of());
        // a pin on a version never published is dangling: the newest is served (ServingRule)
        await().atMost(TIMEOUT)
                .untilAsserted(() ->
                        given().get("/model").then().body("pinned", equalTo(99)).body("version", equalTo(6)));

        broker.produce(
                Topics.MODEL_POINTER,
                Topics.POINTER_KEY,
                new io.retrainstream.common.event.ModelPinned(1L, 0).encode(),
                Map.of());
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model").then().body("version", equalTo(1)));

        broker.produce(
                Topics.MODEL_POINTER,
                Topics.POINTER_KEY,
                new io.retrainstream.common.event.ModelPinned(null, 0).encode(),
                Map.of());
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model").then().body("version", equalTo(6)));
    }

    /**
     * A model with the views [original, mirror] answers every protocol with the mean of its head's softmax over the
     * photo and its mirror (computed here by an extractor with the mirror); swapping from a plain model to it (a new
     * CNN with the mirror copy) and back to a plain one (which shares that CNN) never fails a request.
     */
    @Test
    @Order(8)
    void aMirroredModelAnswersTheMeanOverThePhotoAndItsMirrorAndSwapsWithoutDowntime() throws Exception {
        var broker = KafkaBrokerResource.broker();
        ModelPublished mirrored = pooledModel(12, new Random(12), List.of("original", "mirror"));
        ModelPublished plain = pooledModel(13, new Random(13), List.of("original"));
        Architecture architecture = Architecture.of(ARCHITECTURE);
        float[] mean;
        float[] alone;
        try (FeatureExtractor withMirror = new FeatureExtractor(
                architecture,
                ModelFiles.locateGraph(architecture, Optional.of(SharedData.models())),
                1,
                io.retrainstream.common.tf.ParallelRuns.ONE,
                new io.retrainstream.common.tf.DecodeBudget(
                        io.retrainstream.common.tf.ImageLimits.DEFAULT, architecture.inputSize()),
                true)) {
            mean = mirrored.head().softmax(withMirror.extract(daisy));
            alone = plain.head().softmax(withMirror.extract(daisy).pooled());
        }

        try (RequestsDuringSwap during = new RequestsDuringSwap()) {
            broker.produce(Topics.MODELS, mirrored.key(), mirrored.encode(), Map.of());
            await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model")
                    .then()
                    .body("version", equalTo(12))
                    .body("views", equalTo(List.of("original", "mirror"))));
            JsonPath reply = classify("?top_k=3");
            assertThat(reply.getLong("modelVersion")).isEqualTo(12);
            assertScores(reply.getList("predictions"), mean);
            List<Number> predicted = given().contentType("application/json")
                    .body(Map.of(
                            "instances",
                            List.of(Map.of("b64", java.util.Base64.getEncoder().encodeToString(daisy)))))
                    .post("/v1/models/retrain:predict")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath()
                    .getList("predictions[0].scores");
            for (int c = 0; c < LABELS.size(); c++) {
                assertThat(predicted.get(c).floatValue())
                        .isCloseTo(mean[c], org.assertj.core.data.Offset.offset(1e-4f));
            }
            given().get("/v2/models/retrain").then().body("parameters.views", equalTo(List.of("original", "mirror")));

            broker.produce(Topics.MODELS, plain.key(), plain.encode(), Map.of());
            await().atMost(TIMEOUT).untilAsserted(() -> given().get("/model")
                    .then()
                    .body("version", equalTo(13))
                    .body("views", equalTo(List.of("original"))));
            JsonPath after = classify("?top_k=3");
            assertThat(after.getLong("modelVersion")).isEqualTo(13);
            assertScores(after.getList("predictions"), alone);

            assertThat(during.failures()).as("requests failed during the swaps").isEmpty();
            assertThat(during.versions()).contains(6L, 12L, 13L);
        }
    }

    /** Classifies the daisy over and over on a thread of its own, noting each answer's version and any failure. */
    private static final class RequestsDuringSwap implements AutoCloseable {
        private final java.util.Set<Long> versions = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.concurrent.atomic.AtomicBoolean running =
                new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread = new Thread(this::run, "requests-during-swap");

        RequestsDuringSwap() {
            thread.start();
        }

        private void run() {
            long until = System.nanoTime() + TIMEOUT.toNanos() * 3;
            while (running.get() && System.nanoTime() < until) {
                var response = given().contentType("image/jpeg").body(daisy).post("/classify");
                if (response.statusCode() == 200) {
                    versions.add(response.jsonPath().getLong("modelVersion"));
                } else {
                    failures.add(response.statusCode() + " " + response.asString());
                }
            }
        }

        java.util.Set<Long> versions() {
            return versions;
        }

        List<String> failures() {
            return failures;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    private static void assertScores(List<Map<String, Object>> predictions, float[] expected) {
        assertThat(predictions).hasSize(LABELS.size());
        for (Map<String, Object> prediction : predictions) {
            int c = LABELS.indexOf((String) prediction.get("label"));
            assertThat(((Number) prediction.get("score")).floatValue())
                    .as("score of %s", prediction.get("label"))
                    .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    private static ModelPublished pooledModel(long version, Random random, List<String> views) {
        int size = Architecture.of(ARCHITECTURE).pooledSize();
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.3f;
        }
        return new ModelPublished(
                version,
                ARCHITECTURE,
                "pooled",
                LABELS,
                size,
                weights,
                new float[] {0.1f, -0.2f, 0.05f},
                null,
                System.currentTimeMillis(),
                views);
    }

    /** Posts a body over the limit the way a careful client does, announcing its size and awaiting 100-continue. */
    private static int postLarge(byte[] body) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/classify"))
                .header("Content-Type", "image/jpeg")
                .expectContinue(true)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return client.send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static ModelPublished model(long version, Random random) {
        int size = Architecture.of(ARCHITECTURE).bottleneckSize();
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.1f;
        }
        float[] biases = {0.1f, -0.2f, 0.05f};
        long now = System.currentTimeMillis();
        ModelMetrics metrics = new ModelMetrics(
                version, 10, 0.01, 30, 1, 1, 10, 1, 10, 5, "test", null, now - 1000, new long[] {now - 5000, now - 1000
                });
        return new ModelPublished(
                version, ARCHITECTURE, null, LABELS, size, weights, biases, metrics, System.currentTimeMillis());
    }

    private static float[] softmax(float[] bottleneck, ModelPublished model) {
        int classes = model.labels().size();
        double[] logits = new double[classes];
        for (int c = 0; c < classes; c++) {
            double sum = model.biases()[c];
            for (int d = 0; d < bottleneck.length; d++) {
                sum += bottleneck[d] * model.weights()[d * classes + c];
            }
            logits[c] = sum;
        }
        double max = java.util.Arrays.stream(logits).max().orElse(0);
        double total = 0;
        for (int c = 0; c < classes; c++) {
            total += Math.exp(logits[c] - max);
        }
        float[] scores = new float[classes];
        for (int c = 0; c < classes; c++) {
            scores[c] = (float) (Math.exp(logits[c] - max) / total);
        }
        return scores;
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
