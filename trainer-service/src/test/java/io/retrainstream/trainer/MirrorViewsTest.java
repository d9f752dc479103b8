package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.MirroredFlowers;
import io.retrainstream.trainer.service.BottleneckStore;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A trainer configured with {@code retrain.views=original,mirror} (and {@code trainer.kept-layers} given, so that the
 * mirror is kept because of the views), against a real broker, on flowers-small's real photos and mirrors through the
 * real extractor graph: the published model averages over both views, learned from twice the rows, and reports the
 * test accuracy the classifier's {@code Head.softmax(Features)} delivers; bad {@code views} options are refused.
 */
@QuarkusTest
@TestProfile(MirrorViewsTest.Mirrored.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorViewsTest {

    /** Both views by configuration, on a broker of its own. */
    public static class Mirrored implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // trainer.kept-layers stays the tests' bottleneck,pooled: the mirror is kept because of the views
            return Map.of("retrain.views", "original,mirror");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final List<String> BOTH = List.of("original", "mirror");

    @Inject
    BottleneckStore store;

    @Test
    @Order(1)
    void keepsTheMirrorOfEveryPhotoThatCarriesOne() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        List<BottleneckComputed> events = MirroredFlowers.events();
        for (BottleneckComputed event : events) {
            broker.produce(Topics.BOTTLENECKS, event.imageId(), event.encode(), Map.of());
        }
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(events.size())));
        given().get("/dataset").then().body("mirrors", equalTo(events.size()));
    }

    @Test
    @Order(2)
    void refusesBadViewsWith400() {
        post(Map.of("views", "mirror"))
                .statusCode(400)
                .body("message", containsString("leave out the photo itself: use original or original,mirror"));
        post(Map.of("views", "original,sideways"))
                .statusCode(400)
                .body("message", containsString("Unknown view 'sideways': use original or original,mirror"));
        post(Map.of("views", List.of("original", "mirror"), "mode", "retrain"))
                .statusCode(400)
                .body("message", containsString("need mode improved"));
        post(Map.of("views", 2))
                .statusCode(400)
                .body("message", containsString("views must be \"original\" or \"original,mirror\""));
        given().get("/runs").then().statusCode(200);
    }

    @Test
    @Order(3)
    void publishesAModelThatAveragesBothViewsAndReportsWhatTheClassifierDelivers() {
        int runId = post(Map.of()).statusCode(202).extract().path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        assertThat(run.getList("report.parameters.views")).isEqualTo(BOTH);
        int training = run.getInt("report.images.training");
        assertThat(training).isGreaterThan(500);
        assertThat(run.getInt("report.images.training_mirrors")).isEqualTo(training);
        assertThat(run.getInt("report.images.validation_mirrors")).isEqualTo(run.getInt("report.images.validation"));
        List<String> log = run.getList("log");
        assertThat(log)
                .anyMatch(line -> line.contains("on " + 2 * training + " training")
                        && line.contains("views [original, mirror], " + training + " training"));

        ModelPublished model = ModelPublished.decode(KafkaBrokerResource.broker()
                .consume(Topics.MODELS, 1, TIMEOUT)
                .get(0)
                .value());
        assertThat(model.views()).isEqualTo(BOTH);
        assertThat(model.head().mirrored()).isTrue();
        assertThat(model.metrics().trainingImages()).isEqualTo(training);
        assertThat(model.metrics().trainingMirrors()).isEqualTo(training);

        // independently: the served head on the test photos as the trainer keeps them, each the mean over its views
        Head head = model.head();
        List<LabelledBottleneck> test = store.snapshot().images().stream()
                .filter(image -> SplitRule.DEFAULT.assign(image.fileName()) == DataSet.TESTING)
                .toList();
        assertThat(test).allSatisfy(image -> assertThat(image.mirror()).hasSize(image.pooled().length));
        long right = test.stream()
                .filter(image -> head.labels()
                        .get(Head.argMax(head.softmax(image.features())))
                        .equals(image.label()))
                .count();
        double served = (double) right / test.size();
        System.out.printf(
                "MirrorViewsTest: views %s, %d training photos + %d mirrors, test accuracy %.1f%% (N=%d), the "
                        + "classifier's mean over the views %.1f%%%n",
                model.views(),
                training,
                model.metrics().trainingMirrors(),
                model.metrics().testAccuracy() * 100,
                model.metrics().testCount(),
                served * 100);
        assertThat(model.metrics().testCount()).isEqualTo(test.size());
        assertThat(model.metrics().testAccuracy()).isEqualTo(served);
        assertThat(run.getDouble("testAccuracy")).isEqualTo(served, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    @Order(4)
    void aRetrainModeRunOnTheMirroredDefaultTrainsOnThePhotoAloneAndSaysWhy() {
        Map<String, Object> options = new HashMap<>();
        options.put("mode", "retrain");
        options.put("how_many_training_steps", 30);
        options.put("force_publish", true);
        int runId = post(options).statusCode(202).extract().path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));
        JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
        assertThat(run.getString("report.feature")).isEqualTo("bottleneck");
        assertThat(run.getList("report.parameters.views")).isEqualTo(List.of("original"));
        assertThat(run.getString("report.parameters.views_note"))
                .contains("retrain.views is original,mirror, but mode retrain trains on the bottleneck layer");
        assertThat(run.<String>getList("log"))
                .anyMatch(line -> line.startsWith("Views: retrain.views is original,mirror"));
        ModelPublished model = ModelPublished.decode(KafkaBrokerResource.broker()
                .consume(Topics.MODELS, 2, TIMEOUT)
                .get(1)
                .value());
        assertThat(model.views()).containsExactly("original");
        assertThat(model.metrics().trainingMirrors()).isZero();
    }

    private static io.restassured.response.ValidatableResponse post(Map<String, ?> options) {
        Map<String, Object> body = new HashMap<>(options);
        body.put("wait_for_extraction", false);
        return given().contentType("application/json").body(body).post("/train").then();
    }
}
