package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Continuous mode against a real broker: a burst makes a few runs, a new class grows the served head. */
@QuarkusTest
@TestProfile(ContinuousTrainingTest.Continuous.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContinuousTrainingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int BURST_PER_CLASS = 1000;

    /** The cap on the test images a run and its promotion gate score (trainer.large-sets.test-images). */
    private static final int TEST_IMAGES = 200;

    /**
     * Runs every 50 new training images or once new data waited 1 s, yielding to an extractor with more than 5 photos
     * waiting for up to 4 s; warm runs of 100 steps; at most 200 of the ~300 test images scored.
     */
    public static class Continuous implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "trainer.auto-train",
                    "true",
                    "trainer.continuous.enabled",
                    "true",
                    "trainer.continuous.every-images",
                    "50",
                    "trainer.continuous.min-wait",
                    "1s",
                    "trainer.continuous.yield-backlog",
                    "5",
                    "trainer.continuous.every",
                    "4s",
                    "trainer.continuous.warm-steps",
                    "100",
                    "trainer.large-sets.test-images",
                    String.valueOf(TEST_IMAGES));
        }
    }

    @Test
    @Order(1)
    void aBurstOfThousandsOfImagesStartsAFewRunsThatEndUpCoveringAllOfThem() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(1);
        List<String> labels = List.of("alpha", "beta", "gamma");
        for (int c = 0; c < labels.size(); c++) {
            TrainerServiceTest.send(broker, labels.get(c), c, BURST_PER_CLASS, random);
        }
        int all = BURST_PER_CLASS * labels.size();
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(all)));
        int training = (int) labels.stream()
                .flatMap(l ->
                        java.util.stream.IntStream.range(0, BURST_PER_CLASS).mapToObj(i -> l + "_" + i + ".jpg"))
                .filter(f -> new SplitRule(10, 10).assign(f) == DataSet.TRAINING)
                .count();
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> given().get("/models")
                .then()
                .body("versions[0].metrics.trainingImages", equalTo(training)));
        List<Map<String, Object>> runs =
                given().get("/runs").then().extract().jsonPath().getList("$");
        assertThat(runs).as("runs for a burst of %d images", all).hasSizeBetween(1, 20);
        assertThat(runs).allSatisfy(run -> assertThat(run.get("trigger")).isEqualTo("CONTINUOUS"));
        JsonPath first = given().get("/runs/1").then().extract().jsonPath();
        assertThat(first.getString("report.start")).isEqualTo("cold");
        assertThat(first.getInt("report.freshness.images")).isPositive();
        assertThat(first.getString("report.promotion.reason")).isEqualTo("the first model");
        // nothing to start from: a quick first model at the middle L2 strength, not the grid's seven trainings
        assertThat(first.getList("log", String.class))
                .anyMatch(line -> line.startsWith("Nothing to start from: a quick first model at L2 3e-02 alone"))
                .noneMatch(line -> line.startsWith("L2 1e-03: best validation"));
        assertThat(first.getString("report.chosen")).startsWith("L2 3e-02");
        int testing = (int) labels.stream()
                .flatMap(l ->
                        java.util.stream.IntStream.range(0, BURST_PER_CLASS).mapToObj(i -> l + "_" + i + ".jpg"))
                .filter(f -> new SplitRule(10, 10).assign(f) == DataSet.TESTING)
                .count();
        assertThat(testing).isGreaterThan(TEST_IMAGES);
        for (int id = 1; id <= runs.size(); id++) {
            JsonPath run = given().get("/runs/" + id).then().extract().jsonPath();
            if (!"SUCCEEDED".equals(run.getString("status")) && !"REJECTED".equals(run.getString("status"))) {
                continue;
            }
            // the run's test figure and the gate's comparison are on the same images, never more than the cap (the
            // first runs of the burst see fewer)
            int tested = run.getInt("report.images.testing");
            assertThat(tested).isLessThanOrEqualTo(TEST_IMAGES);
            assertThat(run.getInt("report.promotion.testCount")).isEqualTo(tested);
            if (run.getString("report.promotion.reason").contains("worse: ")) {
                // both heads compared on that sample
                assertThat(run.getString("report.promotion.reason")).contains("N=" + tested + ",");
                assertThat(run.getDouble("report.promotion.servingAccuracy")).isNotNull();
            }
        }
        // the run that learned the whole burst scored the capped sample of its ~300 test images
        JsonPath whole = given().get("/runs/" + runs.size()).then().extract().jsonPath();
        assertThat(whole.getInt("report.images.testing")).isEqualTo(TEST_IMAGES);
        assertThat(whole.getInt("report.promotion.testCount")).isEqualTo(TEST_IMAGES);
        assertThat(whole.getString("report.parameters.test_sample"))
                .isEqualTo("testing on a sample of " + TEST_IMAGES + " of " + testing
                        + " test images, those of lowest image-id hash (trainer.large-sets.test-images)");
        if (runs.size() > 1) {
            JsonPath last = given().get("/runs/" + runs.size()).then().extract().jsonPath();
            assertThat(last.getString("report.start")).startsWith("warm from version");
            assertThat(last.getInt("report.parameters.how_many_training_steps")).isEqualTo(100);
        }
    }

    @Test
    @Order(2)
    void aNewClassGrowsTheHead() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(2);
        TrainerServiceTest.send(broker, "delta", 3, 100, random);
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/models")
                .then()
                .body("versions[0].labels", equalTo(List.of("alpha", "beta", "delta", "gamma"))));
        List<Map<String, Object>> runs =
                given().get("/runs").then().extract().jsonPath().getList("$");
        Map<String, Object> grown = runs.stream()
                .filter(run -> "SUCCEEDED".equals(run.get("status")))
                .reduce((a, b) -> b)
                .orElseThrow();
        JsonPath run =
                given().get("/runs/" + grown.get("runId")).then().extract().jsonPath();
        assertThat(run.getString("report.promotion.reason")).startsWith("the classes changed");
        assertThat(run.getString("report.start")).startsWith("warm from version");
        assertThat(run.getDouble("testAccuracy")).isGreaterThan(0.9);
    }

    @Test
    @Order(3)
    void aFewNewImagesAreLearnedOnceTheyHaveWaitedTheMinimumWait() {
        // The previous test ends once the head has grown, maybe before a run learns the rest of its images: let that
        // run start and end first, so that the next run counted here is the one these images start
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            int trainingNow = given().get("/dataset/training")
                    .then()
                    .extract()
                    .jsonPath()
                    .getList("images")
                    .size();
            given().get("/models").then().body("versions[0].metrics.trainingImages", equalTo(trainingNow));
            assertThat(given().get("/runs").then().extract().jsonPath().getList("status"))
                    .doesNotContain("RUNNING");
        });
        int runsBefore =
                given().get("/runs").then().extract().jsonPath().getList("$").size();
        int trainingBefore = given().get("/dataset/training")
                .then()
                .extract()
                .jsonPath()
                .getList("images")
                .size();
        long start = System.nanoTime();
        TrainerServiceTest.send(KafkaBrokerResource.broker(), "delta", 3, 100, 10, new Random(3));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                        given().get("/runs").then().extract().jsonPath().getList("$"))
                .hasSizeGreaterThan(runsBefore));
        double waited = (System.nanoTime() - start) / 1e9;
        assertThat(waited)
                .as("10 images (< every-images 50) wait for min-wait (1 s), not for 'every' (4 s)")
                .isBetween(0.8, 3.5);
        JsonPath run = given().get("/runs/" + (runsBefore + 1)).then().extract().jsonPath();
        assertThat(run.getString("trigger")).isEqualTo("CONTINUOUS");
        int training = given().get("/dataset/training")
                .then()
                .extract()
                .jsonPath()
                .getList("images")
                .size();
        assertThat(training).isGreaterThan(trainingBefore);
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/runs/" + (runsBefore + 1))
                .then()
                .body("status", org.hamcrest.Matchers.not("RUNNING")));
        assertThat(given().get("/runs/" + (runsBefore + 1))
                        .then()
                        .extract()
                        .jsonPath()
                        .getInt("report.images.training"))
                .isEqualTo(training);
    }

    @Test
    @Order(4)
    void runsYieldToAnExtractorWithABacklogUntilNewDataHasWaitedTheLongest() {
        awaitNoRunGoing();
        KafkaBroker broker = KafkaBrokerResource.broker();
        // 30 photos on images and no extractor here to take them: a backlog above yield-backlog (5)
        for (int i = 0; i < 30; i++) {
            broker.produce(
                    io.retrainstream.common.kafka.Topics.IMAGES,
                    "delta/waiting-" + i + ".jpg",
                    new byte[] {(byte) i},
                    Map.of(io.retrainstream.common.kafka.Topics.LABEL, "delta"));
        }
        int runsBefore =
                given().get("/runs").then().extract().jsonPath().getList("$").size();
        long start = System.nanoTime();
        TrainerServiceTest.send(broker, "delta", 3, 200, 10, new Random(4));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                        given().get("/runs").then().extract().jsonPath().getList("$"))
                .hasSizeGreaterThan(runsBefore));
        double waited = (System.nanoTime() - start) / 1e9;
        assertThat(waited)
                .as("new images wait past min-wait (1 s) while the extractor has a backlog, until 'every' (4 s)")
                .isBetween(3.5, 30.0);
    }

    @Test
    @Order(5)
    void runsYieldToABurstUntilItsLastPhotoIsExtracted() throws Exception {
        awaitNoRunGoing();
        KafkaBroker broker = KafkaBrokerResource.broker();
        // the 30 photos of the test before still wait on images: a burst the extractor is working through
        int runsBefore =
                given().get("/runs").then().extract().jsonPath().getList("$").size();
        long start = System.nanoTime();
        TrainerServiceTest.send(broker, "delta", 3, 400, 10, new Random(5));
        // past min-wait (1 s) the trigger has seen the burst; then the extractor is 3 photos short of its end, fewer
        // than yield-backlog (5)
        Thread.sleep(2_000);
        extractorBehindBy(broker, 3);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(
                        given().get("/runs").then().extract().jsonPath().getList("$"))
                .hasSizeGreaterThan(runsBefore));
        double waited = (System.nanoTime() - start) / 1e9;
        assertThat(waited)
                .as("runs keep yielding while the last photos of a burst are extracted, until 'every' (4 s)")
                .isBetween(3.5, 30.0);
        extractorBehindBy(broker, 0);
    }

    /** Commits the extractor group's offsets on images so that {@code pending} photos are left to extract. */
    private static void extractorBehindBy(KafkaBroker broker, int pending) throws Exception {
        try (ExtractionProgress progress =
                        new ExtractionProgress(broker.clients(), ExtractionProgress.EXTRACTOR_GROUP);
                Admin admin = Admin.create(broker.clients().adminProperties(30_000))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
            int left = pending;
            for (Map.Entry<TopicPartition, Long> end :
                    progress.everythingNow().to().entrySet()) {
                long behind = Math.min(left, end.getValue());
                left -= (int) behind;
                offsets.put(end.getKey(), new OffsetAndMetadata(end.getValue() - behind));
            }
            admin.alterConsumerGroupOffsets(ExtractionProgress.EXTRACTOR_GROUP, offsets)
                    .all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(progress.backlog()).isEqualTo(pending);
        }
    }

    private static void awaitNoRunGoing() {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            int trainingNow = given().get("/dataset/training")
                    .then()
                    .extract()
                    .jsonPath()
                    .getList("images")
                    .size();
            given().get("/models").then().body("versions[0].metrics.trainingImages", equalTo(trainingNow));
            assertThat(given().get("/runs").then().extract().jsonPath().getList("status"))
                    .doesNotContain("RUNNING");
        });
    }
}
