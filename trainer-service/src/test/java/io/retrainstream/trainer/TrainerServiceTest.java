package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The trainer's consume, train and publish path against a real KRaft broker. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String ARCHITECTURE = "mobilenet_0.25_128";

    @Test
    @Order(1)
    void refusesToTrainOnOneClass() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        send(broker, "alpha", 0, 40, new Random(1));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(40)));
        given().contentType("application/json")
                .post("/train")
                .then()
                .statusCode(422)
                .body("message", containsString("at least 2 classes"));
    }

    @Test
    @Order(2)
    void trainsOnBottlenecksAndPublishesAModel() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(2);
        send(broker, "beta", 1, 40, random);
        send(broker, "gamma", 2, 40, random);
        // A malformed event is skipped, a redelivered one changes nothing.
        broker.produce(Topics.BOTTLENECKS, "junk", new byte[] {1, 2, 3}, Map.of());
        send(broker, "gamma", 2, 40, new Random(2));

        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(120)));
        JsonPath dataset = given().get("/dataset").then().extract().jsonPath();
        assertThat(dataset.getString("architecture")).isEqualTo(ARCHITECTURE);
        int expectedTesting = (int) java.util.stream.IntStream.range(0, 40)
                .filter(i -> SplitRule.DEFAULT.assign("beta_" + i + ".jpg").id().equals("testing"))
                .count();
        assertThat(dataset.getInt("classes.beta.testing")).isEqualTo(expectedTesting);
        assertThat(given().get("/dataset/testing").then().extract().jsonPath().getList("images.imageId"))
                .contains(java.util.stream.IntStream.range(0, 40)
                        .filter(i -> SplitRule.DEFAULT
                                .assign("beta_" + i + ".jpg")
                                .id()
                                .equals("testing"))
                        .mapToObj(i -> "beta/" + i)
                        .toArray());

        int runId = given().contentType("application/json")
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        given().contentType("application/json")
                .post("/train")
                .then()
                .statusCode(409)
                .body("runId", equalTo(runId));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        List<String> log = run.getList("log");
        assertThat(log).anyMatch(line -> line.startsWith("L2 1e-03 Step 200: Train accuracy = "));
        assertThat(log).anyMatch(line -> line.startsWith("Chosen on validation: L2 "));
        assertThat(run.getString("report.feature")).isEqualTo("pooled");
        assertThat(run.getString("report.parameters.mode")).isEqualTo("improved");
        assertThat(run.getInt("report.parameters.how_many_training_steps")).isEqualTo(300);
        assertThat(run.getList("report.labels")).containsExactly("alpha", "beta", "gamma");
        List<List<Integer>> confusion = run.getList("report.confusion");
        assertThat(confusion.stream()
                        .flatMap(List::stream)
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(run.getInt("testCount"));
        assertThat(run.getList("report.classes.recall")).hasSize(3);
        assertThat(run.getList("report.curve")).isNotEmpty();
        assertThat(run.getDouble("report.hitRate"))
                .isEqualTo(run.getDouble("testAccuracy"), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(run.getList("report.misclassified"))
                .hasSize(run.getInt("testCount")
                        - confusion.get(0).get(0)
                        - confusion.get(1).get(1)
                        - confusion.get(2).get(2));
        assertThat(run.getMap("report.timingsMillis"))
                .containsKeys("prepare", "train_and_test", "gate", "publish", "total");
        assertThat(log).anyMatch(line -> line.startsWith("Final test accuracy = "));
        assertThat(run.getDouble("testAccuracy")).isGreaterThan(0.9);
        assertThat(given().get("/runs/" + runId + "?from=" + (log.size() - 1))
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("log"))
                .hasSize(1);

        ModelPublished model = ModelPublished.decode(
                broker.consume(Topics.MODELS, 1, TIMEOUT).get(0).value());
        assertThat(model.version()).isEqualTo(1);
        assertThat(model.labels()).containsExactly("alpha", "beta", "gamma");
        assertThat(model.architecture()).isEqualTo(ARCHITECTURE);
        assertThat(model.feature()).isEqualTo("pooled");
        assertThat(model.bottleneckSize()).isEqualTo(8);
        assertThat(model.metrics().testAccuracy())
                .isEqualTo(run.getDouble("testAccuracy"), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(model.metrics().datasetFingerprint()).hasSize(64);

        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("trainer_runs_total{outcome=\"published\"}"))
                .body(containsString("trainer_bottlenecks_received_total{outcome=\"malformed\"} 1.0"));
    }

    @Test
    @Order(3)
    void retrainModeAndOptionsPerRunInTheBody() throws Exception {
        // A request names files under trainer.output-root
        java.nio.file.Path labels = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("trainer.output-root", java.nio.file.Path.class)
                .resolve("out/output_labels.txt");
        int runId = given().contentType("application/json")
                .body(Map.of(
                        "mode",
                        "retrain",
                        "how_many_training_steps",
                        50,
                        "testing_percentage",
                        30,
                        "output_labels",
                        "out/output_labels.txt"))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/runs/" + runId)
                .then()
                .body("status", equalTo("SUCCEEDED"))
                .body("modelVersion", equalTo(2)));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        assertThat(run.getString("report.feature")).isEqualTo("bottleneck");
        assertThat(run.getInt("report.parameters.how_many_training_steps")).isEqualTo(50);
        int expectedTesting = (int) java.util.stream.Stream.of("alpha", "beta", "gamma")
                .flatMap(label -> java.util.stream.IntStream.range(0, 40).mapToObj(i -> label + "_" + i + ".jpg"))
                .filter(file -> new SplitRule(10, 30).assign(file).id().equals("testing"))
                .count();
        assertThat(run.getInt("testCount")).isEqualTo(expectedTesting);
        assertThat(java.nio.file.Files.readAllLines(labels)).containsExactly("alpha", "beta", "gamma");
        ModelPublished model = ModelPublished.decode(KafkaBrokerResource.broker()
                .consume(Topics.MODELS, 2, TIMEOUT)
                .get(1)
                .value());
        assertThat(model.feature()).isEqualTo("bottleneck");
        assertThat(model.bottleneckSize()).isEqualTo(16);
    }

    @Test
    @Order(4)
    void refusesUnknownOptionsAndBadValuesWith400() {
        given().contentType("application/json")
                .body(Map.of("how_many_steps", 5))
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString("Unknown training option 'how_many_steps'"));
        given().contentType("application/json")
                .body(Map.of("how_many_training_steps", -5))
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString("how_many_training_steps must be from 1 to 1000000, " + "got -5"));
        given().contentType("application/json")
                .body(Map.of("testing_percentage", 70, "validation_percentage", 40))
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString("add up to at most 100"));
        given().contentType("application/json")
                .body("[1,2")
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString("JSON object"));
    }

    @Test
    @Order(4)
    void listsVersionsAndPinsOnlyPublishedOnes() {
        given().get("/models")
                .then()
                .statusCode(200)
                .body("versions.version", equalTo(List.of(2, 1)))
                .body("serving", equalTo(2))
                .body("versions[0].labels", equalTo(List.of("alpha", "beta", "gamma")));
        given().post("/models/99/pin").then().statusCode(404).body("message", containsString("No model version 99"));
        given().post("/models/1/pin")
                .then()
                .statusCode(200)
                .body("pinned", equalTo(1))
                .body("serving", equalTo(1));
        var pointer = io.retrainstream.common.event.ModelPinned.decode(KafkaBrokerResource.broker()
                .consume(Topics.MODEL_POINTER, 1, TIMEOUT)
                .get(0)
                .value());
        assertThat(pointer.pinnedVersion()).isEqualTo(1L);
        given().delete("/models/pin")
                .then()
                .statusCode(200)
                .body("pinned", org.hamcrest.Matchers.nullValue())
                .body("serving", equalTo(2));
        // a pin written by another tool on a version never published is dangling: the newest is served
        KafkaBrokerResource.broker()
                .produce(
                        Topics.MODEL_POINTER,
                        Topics.POINTER_KEY,
                        new io.retrainstream.common.event.ModelPinned(99L, 0).encode(),
                        Map.of());
        given().get("/models")
                .then()
                .statusCode(200)
                .body("pinned", equalTo(99))
                .body("serving", equalTo(2));
        given().delete("/models/pin").then().statusCode(200).body("pinned", org.hamcrest.Matchers.nullValue());
    }

    @Test
    @Order(5)
    void theGateKeepsBackAWorseCandidateUnlessForced() {
        int runId = given().contentType("application/json")
                .body(Map.of("mode", "retrain", "how_many_training_steps", 1, "learning_rate", 1e-6))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("REJECTED")));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        assertThat(run.getString("message")).startsWith("Not published: worse: test accuracy");
        assertThat(run.getBoolean("report.promotion.published")).isFalse();
        assertThat(run.getInt("report.promotion.servingVersion")).isEqualTo(2);
        assertThat(run.getDouble("report.promotion.servingAccuracy"))
                .isGreaterThan(run.getDouble("report.promotion.candidateAccuracy") + 0.2);
        assertThat(run.getInt("report.promotion.testCount")).isEqualTo(run.getInt("testCount"));
        assertThat(run.getString("modelVersion")).isNull();
        given().get("/models").then().body("versions.version", equalTo(List.of(2, 1)));
        given().get("/q/metrics")
                .then()
                .body(containsString("trainer_promotions_total{decision=\"rejected\"} 1.0"))
                .body(containsString("trainer_promotion_serving_accuracy"));

        int forced = given().contentType("application/json")
                .body(Map.of(
                        "mode", "retrain", "how_many_training_steps", 1, "learning_rate", 1e-6, "force_publish", true))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/runs/" + forced)
                .then()
                .body("status", equalTo("SUCCEEDED"))
                .body("modelVersion", equalTo(3)));
        given().contentType("application/json")
                .body(Map.of("force_publish", "maybe"))
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString("force_publish must be true or false"));
    }

    @Test
    @Order(6)
    void samplesPerTrainingPhotoSetsTheStepsFromTheTrainingImagesAsRetrainShDoes() {
        given().contentType("application/json")
                .body(Map.of("samples_per_training_photo", 75, "how_many_training_steps", 500))
                .post("/train")
                .then()
                .statusCode(400)
                .body(
                        "message",
                        containsString(
                                "Give either how_many_training_steps or samples_per_training_photo, " + "not both"));
        for (Object bad : List.of(0, "many", 2.5, 100_001)) {
            given().contentType("application/json")
                    .body(Map.of("samples_per_training_photo", bad))
                    .post("/train")
                    .then()
                    .statusCode(400)
                    .body(
                            "message",
                            containsString("samples_per_training_photo must be a whole number from 1 to "
                                    + "100000, got '" + bad + "'"));
        }

        int runId = given().contentType("application/json")
                .body(Map.of(
                        "mode",
                        "retrain",
                        "samples_per_training_photo",
                        3,
                        "train_batch_size",
                        10,
                        "force_publish",
                        true))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        int training = run.getInt("report.images.training");
        int steps = (3 * training + 9) / 10;
        assertThat(training).isGreaterThan(50);
        assertThat(run.getInt("report.parameters.how_many_training_steps")).isEqualTo(steps);
        assertThat(run.getInt("report.parameters.samples_per_training_photo")).isEqualTo(3);
        String why = steps + " steps = ceil(3 samples per training photo × " + training
                + " training images / train_batch_size 10)";
        assertThat(run.getString("report.parameters.steps_chosen")).isEqualTo(why);
        List<String> log = run.getList("log");
        assertThat(log).contains("samples_per_training_photo: " + why);
        assertThat(log).anyMatch(line -> line.contains(steps + " steps, learning rate"));
        assertThat(log).anyMatch(line -> line.startsWith("Step " + (steps - 1) + ": "));
    }

    /** Bottlenecks of one class: a bump in dimension {@code 5 * classIndex} plus noise. */
    static void send(KafkaBroker broker, String label, int classIndex, int count, Random random) {
        send(broker, label, classIndex, 0, count, random);
    }

    /** Images {@code first} to {@code first + count - 1} of a class. */
    static void send(KafkaBroker broker, String label, int classIndex, int first, int count, Random random) {
        for (int i = first; i < first + count; i++) {
            float[] vector = new float[16];
            for (int d = 0; d < vector.length; d++) {
                vector[d] = (float) random.nextGaussian() * 0.3f;
            }
            vector[classIndex * 5] += 2f;
            float[] pooled = new float[8];
            for (int d = 0; d < pooled.length; d++) {
                pooled[d] = (float) random.nextGaussian() * 0.3f;
            }
            pooled[classIndex * 2] += 2f;
            String fileName = label + "_" + i + ".jpg";
            BottleneckComputed event = new BottleneckComputed(
                    label + "/" + i,
                    label,
                    fileName,
                    ARCHITECTURE,
                    "hash-" + label + i,
                    System.currentTimeMillis(),
                    System.currentTimeMillis(),
                    vector,
                    pooled);
            broker.produce(Topics.BOTTLENECKS, event.imageId(), event.encode(), Map.of());
        }
    }
}
