package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Images that arrive during an automatic run start the next run as soon as that one ends, not at the trigger's next
 * tick: with ticks 20 s apart, the second run starts within seconds of the first one's end (before, a tick up to 20 s
 * later).
 */
@QuarkusTest
@TestProfile(RunTriggerWakeUpTest.SlowTicks.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class RunTriggerWakeUpTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** Checks every 20 s, no minimum wait, no yielding; warm runs of 3,000 steps, long enough to send images during. */
    public static class SlowTicks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "trainer.auto-train", "true",
                    "trainer.continuous.enabled", "true",
                    "trainer.continuous.check-interval", "20s",
                    "trainer.continuous.min-wait", "0s",
                    "trainer.continuous.yield-backlog", "0",
                    "trainer.continuous.warm-steps", "3000",
                    "trainer.continuous.quick-steps", "0");
        }
    }

    @Test
    void imagesThatArriveDuringARunStartTheNextRunWhenItEnds() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Random random = new Random(7);
        TrainerServiceTest.send(broker, "alpha", 0, 40, random);
        TrainerServiceTest.send(broker, "beta", 1, 40, random);
        await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/runs")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("$")
                                .size()
                        == 1);

        // during run 1: a third class, read by the trainer while run 1 still trains
        TrainerServiceTest.send(broker, "gamma", 2, 40, random);
        await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/dataset").then().extract().jsonPath().getInt("images") == 120);
        assertThat(run(1).getString("status"))
                .as("run 1 still trains once the new images are read (else this test shows nothing)")
                .isEqualTo("RUNNING");

        await().atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/runs")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("$")
                                .size()
                        == 2);
        Instant firstEnded = Instant.parse(run(1).getString("finishedAt"));
        Instant secondStarted = Instant.parse(run(2).getString("startedAt"));
        assertThat(Duration.between(firstEnded, secondStarted))
                .as("run 2 starts when run 1 ends, not at the next tick (20 s apart)")
                .isLessThan(Duration.ofSeconds(4));
        assertThat(run(2).getString("trigger")).isEqualTo("CONTINUOUS");
    }

    private static JsonPath run(int id) {
        return given().get("/runs/" + id).then().extract().jsonPath();
    }
}
