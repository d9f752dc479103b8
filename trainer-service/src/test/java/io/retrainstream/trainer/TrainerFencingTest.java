package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.trainer.config.PublisherConfig;
import io.retrainstream.trainer.messaging.ModelPublisher;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The trainer service, fenced by a second trainer that took its {@code transactional.id} over: its training run ends
 * FAILED with the message that says why, nothing appears on {@code models}, and it is no longer ready.
 */
@QuarkusTest
@TestProfile(TrainerFencingTest.OwnBroker.class)
class TrainerFencingTest {

    /** A broker of its own, and not the plain one other tests bring: one {@code kafka.bootstrap.servers}. */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    ModelPublisher publisher;

    @Inject
    PublisherConfig config;

    @Test
    void aTrainerFencedByASecondOnePublishesNothingAndSaysWhy() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        TrainerServiceTest.send(broker, "alpha", 0, 30, new Random(11));
        TrainerServiceTest.send(broker, "beta", 1, 30, new Random(12));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(60)));
        publisher.takeOver(); // done in the background at start; here certainly before the second trainer

        // a second trainer starts with the same transactional.id
        ModelPublisher second = new ModelPublisher(broker.clients(), config);
        try {
            second.takeOver();
            given().get("/q/health/ready")
                    .then()
                    .body("checks.find { it.name == 'model-publisher' }.status", equalTo("UP"));

            int runId = given().contentType("application/json")
                    .post("/train")
                    .then()
                    .statusCode(202)
                    .extract()
                    .path("runId");
            await().atMost(TIMEOUT)
                    .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("FAILED")));
            JsonPath run = given().get("/runs/" + runId).then().extract().jsonPath();
            assertThat(run.getString("message"))
                    .startsWith("This trainer was fenced: another trainer started with transactional.id '"
                            + config.transactionalId() + "' and publishes the models now, so model version 1 was"
                            + " not published");
            assertThat(TopicReader.readAll(broker.clients(), Topics.MODELS, TIMEOUT))
                    .isEmpty();

            // it says so in its health: not ready (it cannot publish), but live (a restart would fence the other)
            given().get("/q/health/ready")
                    .then()
                    .statusCode(503)
                    .body("checks.find { it.name == 'model-publisher' }.status", equalTo("DOWN"))
                    .body(
                            "checks.find { it.name == 'model-publisher' }.data.reason",
                            startsWith("fenced: another trainer with transactional.id '" + config.transactionalId()));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            second.close();
        }
    }
}
