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
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A requested run waits for the photos published before it (issue 17), against a real broker: real flower photos on
 * {@code images}, and a consumer in the extractor's group standing in for the extractor (it turns each photo into a
 * bottleneck event and commits after sending, as the extractor does). Without an extractor, or with one that
 * consumes nothing, the run fails saying what to do instead of hanging; {@code wait_for_extraction: false} trains on
 * what there is.
 */
@QuarkusTest
@TestProfile(ExtractionWaitTest.ShortTimeouts.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtractionWaitTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int PHOTOS_PER_CLASS = 6;
    private static final List<String> LATE_CLASSES = List.of("roses", "tulips");

    /** The wait gives up after 4 s without progress or without an extractor. */
    public static class ShortTimeouts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "trainer.extraction-wait.poll", "200ms",
                    "trainer.extraction-wait.stall-timeout", "4s",
                    "trainer.extraction-wait.absent-timeout", "4s",
                    "trainer.how-many-training-steps", "50");
        }
    }

    @Test
    @Order(1)
    void withoutAnExtractorTheRunSaysSoAndAnotherCanTrainOnWhatIsThere() throws IOException {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(1);
        TrainerServiceTest.send(broker, "alpha", 0, 30, random);
        TrainerServiceTest.send(broker, "beta", 1, 30, random);
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(60)));
        int photos = publishLatePhotos(broker);

        int runId = startRun(Map.of());
        JsonPath waiting = given().get("/runs/" + runId).then().extract().jsonPath();
        assertThat(waiting.getString("status")).isEqualTo("RUNNING");
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(given().get("/runs/" + runId)
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("log", String.class))
                .contains("Waiting for " + photos + " of " + photos
                        + " photos to be extracted (published before this run was asked for)"));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("FAILED")));
        String message = given().get("/runs/" + runId).then().extract().path("message");
        assertThat(message)
                .contains("No extractor is running (consumer group 'extractor' has no member for 4 s)")
                .contains("waiting for " + photos + " of " + photos + " photos to be extracted")
                .contains("./retrain up starts what is missing")
                .contains("{\"wait_for_extraction\": false}");

        int now = startRun(Map.of("wait_for_extraction", false));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + now).then().body("status", equalTo("SUCCEEDED")));
        assertThat(given().get("/runs/" + now).then().extract().jsonPath().getList("report.labels"))
                .containsExactly("alpha", "beta");
    }

    @Test
    @Order(2)
    void aRunWaitingForTheExtractorCanBeCancelled() {
        int runId = startRun(Map.of());
        given().delete("/runs/" + runId).then().statusCode(200).body("status", equalTo("CANCELLED"));
    }

    @Test
    @Order(3)
    void anExtractorThatConsumesNothingIsReportedAsStuck() {
        try (KafkaConsumer<String, byte[]> stuck = extractorConsumer()) {
            stuck.subscribe(List.of(Topics.IMAGES));
            await().atMost(TIMEOUT).until(() -> {
                stuck.poll(Duration.ofMillis(200));
                return !stuck.assignment().isEmpty();
            });
            // a member of the group from now on (its heartbeats go on), which never commits anything
            int runId = startRun(Map.of());
            await().atMost(TIMEOUT)
                    .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("FAILED")));
            assertThat((String) given().get("/runs/" + runId).then().extract().path("message"))
                    .contains("The extractor (consumer group 'extractor', 1 member(s)) extracted no photo for 4 s")
                    .contains(".retrain/logs/extractor.log")
                    .contains("{\"wait_for_extraction\": false}");
        }
    }

    @Test
    @Order(4)
    void aRequestedRunTrainsOnEveryPhotoPublishedBeforeIt() throws Exception {
        KafkaBroker broker = KafkaBrokerResource.broker();
        AtomicBoolean stop = new AtomicBoolean();
        int runId = startRun(Map.of());
        // the extractor starts after the request, and takes a while: the run must wait for all of it
        Thread extractor = new Thread(() -> extract(broker, stop), "stand-in-extractor");
        extractor.start();
        try {
            await().atMost(TIMEOUT)
                    .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));
        } finally {
            stop.set(true);
            extractor.join(10_000);
        }
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        List<String> log = run.getList("log", String.class);
        assertThat(log).anyMatch(line -> line.startsWith("Waiting for ") && line.contains(" photos to be extracted"));
        assertThat(log)
                .anyMatch(line -> line.startsWith("All " + 2 * PHOTOS_PER_CLASS + " photos published before this run"));
        assertThat(log).anyMatch(line -> line.startsWith("Read the bottlenecks up to offsets {0="));
        assertThat(run.getList("report.labels")).containsExactly("alpha", "beta", "roses", "tulips");
        assertThat(given().get("/dataset").then().extract().jsonPath().getInt("images"))
                .isEqualTo(60 + 2 * PHOTOS_PER_CLASS);

        // nothing new published: the next run does not wait at all
        int next = startRun(Map.of());
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + next).then().body("status", equalTo("SUCCEEDED")));
        assertThat(given().get("/runs/" + next).then().extract().jsonPath().getList("log", String.class))
                .noneMatch(line -> line.startsWith("Waiting for "));
    }

    /** Publishes a few real flower photos of classes the trainer has no bottleneck of; how many. */
    private static int publishLatePhotos(KafkaBroker broker) throws IOException {
        int count = 0;
        for (String label : LATE_CLASSES) {
            try (Stream<Path> files = Files.list(SharedData.flowers().resolve(label))) {
                for (Path photo : files.sorted().limit(PHOTOS_PER_CLASS).toList()) {
                    broker.publishPhoto(photo);
                    count++;
                }
            }
        }
        return count;
    }

    private static int startRun(Map<String, Object> options) {
        return given().contentType("application/json")
                .body(options)
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
    }

    /**
     * Consumes {@code images} in the extractor's group three records a poll, slowly, sending a bottleneck event for
     * each before it commits, as the extractor does.
     */
    private static void extract(KafkaBroker broker, AtomicBoolean stop) {
        Random random = new Random(4);
        try (KafkaConsumer<String, byte[]> consumer = extractorConsumer()) {
            consumer.subscribe(List.of(Topics.IMAGES));
            while (!stop.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String label = header(record, Topics.LABEL);
                    int classIndex = 2 + LATE_CLASSES.indexOf(label);
                    float[] vector = new float[16];
                    float[] pooled = new float[8];
                    for (int d = 0; d < vector.length; d++) {
                        vector[d] = (float) random.nextGaussian() * 0.3f;
                    }
                    for (int d = 0; d < pooled.length; d++) {
                        pooled[d] = (float) random.nextGaussian() * 0.3f;
                    }
                    vector[classIndex * 5] += 2f;
                    pooled[classIndex * 2] += 2f;
                    BottleneckComputed event = new BottleneckComputed(
                            record.key(),
                            label,
                            header(record, Topics.FILENAME),
                            "mobilenet_0.25_128",
                            "hash-" + record.key(),
                            record.timestamp(),
                            System.currentTimeMillis(),
                            vector,
                            pooled);
                    broker.produce(Topics.BOTTLENECKS, event.imageId(), event.encode(), Map.of());
                }
                consumer.commitSync();
                sleep(300);
            }
        }
    }

    private static KafkaConsumer<String, byte[]> extractorConsumer() {
        Properties props = new Properties();
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBrokerResource.broker().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, ExtractionProgress.EXTRACTOR_GROUP);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
