package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The trainer as an unattended service facing hostile clients, against a real broker: admin calls need the token,
 * requests can only do what they say (JSON only, files under the output root, bounded values), a run can be
 * cancelled, and every configured output is written run after run.
 */
@QuarkusTest
@TestProfile(AdminApiTest.Unattended.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiTest {

    static final String TOKEN = "trainer-test-token-5b8e1d2a";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Path HOME = Path.of("target/admin-api-test").toAbsolutePath();
    private static final Path ROOT = HOME.resolve("root");
    private static final Path SERVING = HOME.resolve("serving");
    private static final Path EXPORTS = HOME.resolve("exports");
    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<LogRecord> LOG = java.util.Collections.synchronizedList(new ArrayList<>());
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOG.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** The token, an output root, and every model output configured (absolute paths, outside the root). */
    public static class Unattended implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "retrain.admin-token",
                    TOKEN,
                    "trainer.output-root",
                    ROOT.toString(),
                    "trainer.saved-model-dir",
                    SERVING.toString(),
                    "trainer.output-graph",
                    EXPORTS.resolve("output_graph.pb").toString(),
                    "trainer.output-labels",
                    EXPORTS.resolve("output_labels.txt").toString(),
                    "trainer.how-many-training-steps",
                    "100");
        }
    }

    @TestHTTPResource("/train")
    URI train;

    @BeforeAll
    static void cleanAndListen() throws IOException {
        delete(HOME);
        Logger.getLogger("io.retrainstream.common.quarkus").addHandler(CAPTURE);
    }

    @AfterAll
    static void stopListening() {
        Logger.getLogger("io.retrainstream.common.quarkus").removeHandler(CAPTURE);
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + TOKEN);
    }

    @Test
    @Order(1)
    void adminCallsNeedTheTokenAndReadsStayOpen() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(3);
        List.of("alpha", "beta", "gamma").forEach(label -> send(broker, label, 40, random));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(120)));

        for (RequestSpecification caller : List.of(
                given(),
                given().header("Authorization", "Bearer wrong-" + TOKEN),
                given().header("Authorization", "Basic " + TOKEN),
                given().header("Authorization", TOKEN))) {
            caller.contentType("application/json")
                    .body(Map.of("how_many_training_steps", 10))
                    .post("/train")
                    .then()
                    .statusCode(401)
                    .header("WWW-Authenticate", startsWith("Bearer"));
        }
        given().delete("/runs/1").then().statusCode(401);
        given().header("Authorization", "Bearer wrong")
                .post("/models/1/pin")
                .then()
                .statusCode(401);
        given().delete("/models/pin").then().statusCode(401);
        given().header("Authorization", "Bearer wrong")
                .get("/runs")
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
        given().get("/models").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        List<String> logged;
        synchronized (LOG) {
            logged = LOG.stream().map(AdminApiTest::text).toList();
        }
        assertThat(logged)
                .anyMatch(m -> m.startsWith("Refused POST /train from "))
                .anyMatch(m -> m.endsWith(": wrong admin token"))
                .anyMatch(m -> m.endsWith(": no Authorization header"))
                .anyMatch(m -> m.startsWith("Refused DELETE /runs/1 from "))
                .noneMatch(m -> m.contains(TOKEN));

        int runId = admin().contentType("application/json")
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        awaitStatus(runId, "SUCCEEDED");
        admin().get("/runs/" + runId).then().body("modelVersion", equalTo(1));
    }

    @Test
    @Order(2)
    void everyConfiguredOutputIsWrittenRunAfterRun() throws IOException {
        int second = admin().contentType("application/json")
                .body(Map.of("force_publish", true))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        awaitStatus(second, "SUCCEEDED");
        admin().get("/runs/" + second)
                .then()
                .body("modelVersion", equalTo(2))
                .body("log", hasItem(startsWith("Wrote the SavedModel of version 2 to ")));

        assertThat(SERVING.resolve("1/saved_model.pb")).isRegularFile();
        assertThat(SERVING.resolve("2/saved_model.pb")).isRegularFile();
        assertThat(names(SERVING)).containsExactly("1", "2");
        assertThat(names(EXPORTS))
                .containsExactly(
                        "output_graph.1.pb",
                        "output_graph.2.pb",
                        "output_graph.pb",
                        "output_labels.1.txt",
                        "output_labels.2.txt",
                        "output_labels.txt");
        assertThat(EXPORTS.resolve("output_graph.pb")).hasSameBinaryContentAs(EXPORTS.resolve("output_graph.2.pb"));
        assertThat(Files.readAllLines(EXPORTS.resolve("output_labels.txt"))).containsExactly("alpha", "beta", "gamma");
    }

    @Test
    @Order(3)
    void requestsCanOnlyDoWhatTheySay() throws Exception {
        int runs = given().get("/runs").then().extract().path("size()");
        admin().contentType("text/plain")
                .body("{}")
                .post("/train")
                .then()
                .statusCode(415)
                .body("message", containsString("application/json"));
        admin().contentType("application/x-www-form-urlencoded")
                .body("how_many_training_steps=5")
                .post("/train")
                .then()
                .statusCode(415);
        HttpResponse<String> noType = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(train)
                                .header("Authorization", "Bearer " + TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(noType.statusCode()).as(noType.body()).isEqualTo(415);

        Path outside = Files.createDirectories(HOME.resolve("outside"));
        Files.createDirectories(ROOT);
        Files.createSymbolicLink(ROOT.resolve("escape"), outside);
        Map<String, String> refused = Map.of(
                "{\"output_graph\": \"/tmp/evil.pb\"}",
                "output_graph must be a path relative to the trainer's output root",
                "{\"summaries_dir\": \"logs/../../../etc\"}",
                "summaries_dir must stay under the trainer's output root: '..'",
                "{\"saved_model_dir\": \"escape/models\"}",
                "saved_model_dir must stay under the trainer's output root: 'escape' is a symbolic link that leads "
                        + "out of it",
                "{\"how_many_training_steps\": 1000001}",
                "how_many_training_steps must be from 1 to 1000000, got 1000001",
                "{\"testing_percentage\": 101}",
                "testing_percentage must be from 0 to 100, got 101.0",
                "{\"mode\": \"retrain\", \"random_crop\": 101}",
                "random_crop must be from 0 to 100, got 101",
                "{\"mode\": \"retrain\", \"random_scale\": 400}",
                "random_scale must be from 0 to 100, got 400",
                "{\"mode\": \"retrain\", \"random_brightness\": 101}",
                "random_brightness must be a percentage from 0 to 100",
                "{\"learning_rate\": 1e9}",
                "learning_rate must be above 0 and at most 10.0");
        refused.forEach((body, message) -> admin().contentType("application/json")
                .body(body)
                .post("/train")
                .then()
                .statusCode(400)
                .body("message", containsString(message)));
        assertThat(names(outside)).isEmpty();
        given().get("/runs").then().body("size()", equalTo(runs));
    }

    @Test
    @Order(4)
    void aCancelledRunStopsWithinASecondAndPublishesNothing() throws IOException {
        int runId = admin().contentType("application/json")
                .body(Map.of("mode", "retrain", "how_many_training_steps", 1_000_000, "eval_step_interval", 10_000))
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("log", hasItem(startsWith("Step 0: "))));

        long start = System.nanoTime();
        admin().delete("/runs/" + runId).then().statusCode(200).body("status", equalTo("CANCELLED"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("ms from DELETE to the run's end").isLessThan(1000);

        given().get("/runs/" + runId)
                .then()
                .body("status", equalTo("CANCELLED"))
                .body("modelVersion", org.hamcrest.Matchers.nullValue())
                .body("message", containsString("no model version was published"));
        given().get("/models").then().body("versions.version", equalTo(List.of(2, 1)));
        given().get("/q/metrics").then().body(containsString("trainer_runs_total{outcome=\"cancelled\"} 1.0"));
        assertThat(names(SERVING)).containsExactly("1", "2");
        assertThat(names(EXPORTS)).hasSize(6);
        admin().delete("/runs/" + runId).then().statusCode(409).body("message", containsString("has ended already"));
        admin().delete("/runs/99").then().statusCode(404);
    }

    @Test
    @Order(5)
    void trainingGoesOnAfterACancelledRun() throws Exception {
        // No body and no content type, as ./retrain train sends it: the configured defaults.
        HttpResponse<String> started = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(train)
                                .header("Authorization", "Bearer " + TOKEN)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        int runId = io.restassured.path.json.JsonPath.from(started.body()).getInt("runId");
        await().atMost(TIMEOUT).untilAsserted(() -> given().get("/runs/" + runId)
                .then()
                .body("status", org.hamcrest.Matchers.oneOf("SUCCEEDED", "REJECTED")));
        given().get("/runs/" + runId).then().body("report.parameters.how_many_training_steps", equalTo(100));
    }

    private static String text(LogRecord record) {
        return record instanceof org.jboss.logmanager.ExtLogRecord ext
                ? ext.getFormattedMessage()
                : record.getMessage();
    }

    private static void awaitStatus(int runId, String status) {
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo(status)));
    }

    /** Bottlenecks of the real sizes of {@value #ARCHITECTURE}: 1001 values, 256 pooled, with a bump per class. */
    private static void send(KafkaBroker broker, String label, int count, Random random) {
        int classIndex = label.charAt(0) - 'a';
        for (int i = 0; i < count; i++) {
            float[] vector = new float[1001];
            float[] pooled = new float[256];
            for (int d = 0; d < vector.length; d++) {
                vector[d] = (float) random.nextGaussian() * 0.3f;
            }
            for (int d = 0; d < pooled.length; d++) {
                pooled[d] = (float) random.nextGaussian() * 0.3f;
            }
            vector[classIndex * 7] += 3f;
            pooled[classIndex * 5] += 3f;
            BottleneckComputed event = new BottleneckComputed(
                    label + "/" + i,
                    label,
                    label + "_" + i + ".jpg",
                    ARCHITECTURE,
                    "hash-" + label + i,
                    System.currentTimeMillis(),
                    System.currentTimeMillis(),
                    vector,
                    pooled);
            broker.produce(Topics.BOTTLENECKS, event.imageId(), event.encode(), Map.of());
        }
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(entry);
            }
        }
    }
}
