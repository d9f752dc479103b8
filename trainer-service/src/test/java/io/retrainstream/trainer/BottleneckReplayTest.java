package io.retrainstream.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A trainer started on a topic that already holds bottlenecks (a restart), against a real broker: it reads every one
 * back through its consumer, which decodes each value in place and keeps only the pooled layer here, and it is ready
 * only once it has, its readiness saying how many records it read of how many.
 */
@QuarkusTest
@TestProfile(BottleneckReplayTest.PooledOnly.class)
@QuarkusTestResource(value = BottleneckReplayTest.BrokerWithBottlenecks.class, restrictToAnnotatedClass = true)
class BottleneckReplayTest {

    private static final int IMAGES = 5_000;
    private static final int CLASSES = 5;

    /** The layer a trainer at scale keeps. */
    public static class PooledOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("trainer.kept-layers", "pooled");
        }
    }

    /** The broker with {@link #IMAGES} MobileNet-sized bottleneck events on the topic before the trainer starts. */
    public static class BrokerWithBottlenecks extends KafkaBrokerResource {
        @Override
        protected void prepare(KafkaBroker broker) {
            super.prepare(broker);
            SyntheticBottlenecks events =
                    new SyntheticBottlenecks(CLASSES, 1001, 512, 4.0, 42, SyntheticBottlenecks.ARCHITECTURE);
            Properties props = broker.clients().producerProperties();
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < IMAGES; i++) {
                    BottleneckComputed event = events.event(i, 1_000 + i);
                    producer.send(new ProducerRecord<>(Topics.BOTTLENECKS, event.imageId(), event.encode()));
                }
                producer.flush();
            }
        }
    }

    @Test
    void everyImageOnTheTopicIsReadBackBeforeTheTrainerIsReady() {
        await().atMost(Duration.ofMinutes(2))
                .untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));

        JsonPath ready = given().get("/q/health/ready").then().extract().jsonPath();
        assertThat(ready.getLong("checks.find { it.name == 'bottlenecks-replay' }.data.read"))
                .isEqualTo(IMAGES);
        assertThat(ready.getLong("checks.find { it.name == 'bottlenecks-replay' }.data.of"))
                .isEqualTo(IMAGES);
        JsonPath dataset =
                given().get("/dataset").then().statusCode(200).extract().jsonPath();
        assertThat(dataset.getInt("images")).isEqualTo(IMAGES);
        assertThat(dataset.getString("architecture")).isEqualTo(SyntheticBottlenecks.ARCHITECTURE);
        Map<String, Map<String, Integer>> classes = dataset.getMap("classes");
        assertThat(classes).hasSize(CLASSES);
        assertThat(classes.values().stream()
                        .flatMap(sets -> sets.values().stream())
                        .mapToInt(Integer::intValue)
                        .sum())
                .isEqualTo(IMAGES);
        assertThat(given().get("/q/health/ready").then().extract().jsonPath().getList("checks.status"))
                .containsOnly("UP");
    }
}
