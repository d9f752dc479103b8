package io.retrainstream.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.trainer.health.ReplayReadiness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replay of {@code bottlenecks} against a real broker: the trainer is not ready, and says how far it has come,
 * until it has read what was on the topic at its first look; a slow start (the consumer group's join takes seconds)
 * does not count as a finished replay; records produced later do not hold it back; the heap is collected once.
 */
class ReplayProgressTest {

    private static final int RECORDS = 60;

    private static KafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
        for (int i = 0; i < RECORDS; i++) {
            kafka.produce(Topics.BOTTLENECKS, "image-" + i, ("event " + i).getBytes(StandardCharsets.UTF_8), null);
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void notReadyWithItsProgressUntilEverythingOnTheTopicAtTheStartIsRead() throws InterruptedException {
        AtomicInteger collections = new AtomicInteger();
        ReplayProgress replay = new ReplayProgress(kafka.clients(), collections::incrementAndGet);
        ReplayReadiness readiness = new ReplayReadiness(replay);

        HealthCheckResponse before = readiness.call();
        assertThat(before.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(before.getData().orElseThrow()).containsEntry("read", 0L).containsEntry("of", (long) RECORDS);

        // a consumer group's first join takes seconds: that is no quiet end of a replay
        Thread.sleep(3_500);
        assertThat(replay.caughtUp()).isFalse();

        List<ConsumerRecord<String, byte[]>> records = readAll();
        assertThat(records).hasSize(RECORDS);
        // a record produced now, after the first look, is not part of the replay
        kafka.produce(Topics.BOTTLENECKS, "late", new byte[] {1}, null);

        int half = RECORDS / 2;
        records.subList(0, half).forEach(record -> replay.read(record.partition(), record.offset()));
        HealthCheckResponse midway = readiness.call();
        assertThat(midway.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        long read = (long) midway.getData().orElseThrow().get("read");
        assertThat(read).isBetween(1L, (long) RECORDS - 1);
        assertThat(collections).hasValue(0);

        records.subList(half, RECORDS).forEach(record -> replay.read(record.partition(), record.offset()));
        HealthCheckResponse after = readiness.call();
        assertThat(after.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(after.getData().orElseThrow())
                .containsEntry("read", (long) RECORDS)
                .containsEntry("of", (long) RECORDS);
        assertThat(replay.caughtUp()).isTrue();
        assertThat(collections)
                .as("the heap is collected once, when the replay ends")
                .hasValue(1);
    }

    private static List<ConsumerRecord<String, byte[]>> readAll() {
        Properties props = kafka.clients().consumerProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-progress-test-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.BOTTLENECKS));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < RECORDS && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
