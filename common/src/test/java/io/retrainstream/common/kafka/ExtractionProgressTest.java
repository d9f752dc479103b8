package io.retrainstream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.testing.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The extractor group's progress from Kafka's offsets, against a real KRaft broker. */
class ExtractionProgressTest {

    private static KafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
        for (int i = 0; i < 5; i++) {
            kafka.produce(Topics.IMAGES, "daisy/" + i + ".jpg", new byte[] {(byte) i}, Map.of(Topics.LABEL, "daisy"));
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void countsWhatTheGroupCommittedAndWhetherItHasMembersAndReportsAStall() throws Exception {
        String group = "extractor-counts";
        try (ExtractionProgress progress = new ExtractionProgress(kafka.bootstrapServers(), group)) {
            ExtractionProgress.Target target = progress.everythingNow();
            assertThat(target.total()).isEqualTo(5);
            // a group that never committed (nor exists) has extracted nothing and has no member
            ExtractionProgress.Snapshot none = progress.check(target);
            assertThat(none).isEqualTo(new ExtractionProgress.Snapshot(0, 5, 0));
            assertThat(none.describe()).isEqualTo("waiting for 5 of 5 photos to be extracted");

            try (KafkaConsumer<String, byte[]> consumer = consumer(group)) {
                consumer.subscribe(List.of(Topics.IMAGES));
                while (consumer.assignment().isEmpty()) {
                    consumer.poll(Duration.ofMillis(200));
                }
                consumer.commitSync(committed(firstRecords(target.to(), 2)));
                assertThat(progress.check(target)).isEqualTo(new ExtractionProgress.Snapshot(2, 5, 1));

                // a member that commits nothing more: stuck, reported after the stall timeout
                List<ExtractionProgress.Snapshot> seen = new ArrayList<>();
                long start = System.nanoTime();
                assertThatThrownBy(() -> progress.await(
                                target,
                                Duration.ofMillis(100),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(30),
                                seen::add,
                                () -> false))
                        .isInstanceOf(ExtractionProgress.StalledException.class)
                        .hasMessageContaining(
                                "The extractor (consumer group 'extractor-counts', 1 member(s)) extracted no photo for 1 s, "
                                        + "waiting for 3 of 5 photos to be extracted");
                assertThat((System.nanoTime() - start) / 1e9).isBetween(0.9, 10.0);
                assertThat(seen).containsExactly(new ExtractionProgress.Snapshot(2, 5, 1));

                consumer.commitSync(committed(target.to()));
                assertThat(progress.await(
                                target,
                                Duration.ofMillis(100),
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1),
                                s -> {},
                                () -> false))
                        .isEqualTo(new ExtractionProgress.Snapshot(5, 5, 1));
            }
        }
    }

    @Test
    void aGroupWithoutMembersIsReportedAfterTheAbsentTimeoutAndAWaitCanBeCancelled() {
        try (ExtractionProgress progress = new ExtractionProgress(kafka.bootstrapServers(), "extractor-absent")) {
            ExtractionProgress.Target target = progress.everythingNow();
            assertThatThrownBy(() -> progress.await(
                            target,
                            Duration.ofMillis(100),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(1),
                            s -> {},
                            () -> false))
                    .isInstanceOf(ExtractionProgress.StalledException.class)
                    .hasMessageContaining("No extractor is running (consumer group 'extractor-absent' has no member "
                            + "for 1 s), waiting for 5 of 5 photos to be extracted");
            assertThatThrownBy(() -> progress.await(
                            target,
                            Duration.ofMillis(100),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(30),
                            s -> {},
                            () -> true))
                    .isInstanceOf(ExtractionProgress.CancelledException.class);
            // only the photos of a range count: the 3 published from offset 2 on
            ExtractionProgress.Target later = new ExtractionProgress.Target(firstRecords(target.to(), 2), target.to());
            assertThat(later.total()).isEqualTo(3);
            assertThat(progress.check(later)).isEqualTo(new ExtractionProgress.Snapshot(0, 3, 0));
        }
    }

    /**
     * Offsets that cover the first {@code n} records of {@code images} (its partitions in order): the 5 photos are
     * spread over its partitions by key.
     */
    private static Map<TopicPartition, Long> firstRecords(Map<TopicPartition, Long> ends, long n) {
        Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
        long left = n;
        for (TopicPartition partition : ends.keySet().stream()
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                .toList()) {
            long taken = Math.min(ends.get(partition), left);
            offsets.put(partition, taken);
            left -= taken;
        }
        return offsets;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> committed = new java.util.HashMap<>();
        offsets.forEach((partition, offset) -> committed.put(partition, new OffsetAndMetadata(offset)));
        return committed;
    }

    private static KafkaConsumer<String, byte[]> consumer(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
