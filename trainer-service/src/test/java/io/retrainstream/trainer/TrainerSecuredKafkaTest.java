package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SecuredKafkaBrokerResource;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The trainer against a real broker that accepts only SASL (PLAIN) over TLS, configured only through {@code kafka.*}:
 * its topic setup, its bottlenecks channel, its readers of {@code models} and {@code models.current} and its
 * transactional model publisher all connect through the secured listener.
 */
@QuarkusTest
@TestProfile(TrainerSecuredKafkaTest.OwnBroker.class)
class TrainerSecuredKafkaTest {

    /** A broker of its own, and not the plain one other tests bring: one {@code kafka.bootstrap.servers}. */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredKafkaBrokerResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void trainsAndPublishesOverSaslSsl() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        assertThat(broker.clients().securityProtocol()).isEqualTo("SASL_SSL");
        TrainerServiceTest.send(broker, "alpha", 0, 30, new Random(21));
        TrainerServiceTest.send(broker, "beta", 1, 30, new Random(22));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/dataset").then().body("images", equalTo(60)));

        int runId = given().contentType("application/json")
                .post("/train")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> given().get("/runs/" + runId).then().body("status", equalTo("SUCCEEDED")));

        assertThat(TopicReader.readAll(broker.clients(), Topics.MODELS, TIMEOUT))
                .singleElement()
                .satisfies(record -> assertThat(
                                ModelPublished.decode(record.value()).labels())
                        .containsExactly("alpha", "beta"));
        given().get("/models").then().statusCode(200);
    }
}
