package io.retrainstream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.testing.KafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The topics' layout on a real broker, on a real three-broker cluster, and existing one-partition topics. */
class TopicSetupTest {

    private static final List<String> ALL =
            List.of(Topics.IMAGES, Topics.IMAGES_DLQ, Topics.BOTTLENECKS, Topics.MODELS, Topics.MODEL_POINTER);

    @Test
    void oneBrokerGetsSixImagePartitionsOneReplicaAndOneInsync() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            assertThat(TopicSetup.ensureTopics(kafka.clients(), TopicLayout.DEFAULT))
                    .isEmpty();
            try (Admin admin = kafka.admin()) {
                assertThat(partitions(admin))
                        .containsExactlyInAnyOrderEntriesOf(Map.of(
                                Topics.IMAGES, 6,
                                Topics.IMAGES_DLQ, 6,
                                Topics.BOTTLENECKS, 6,
                                Topics.MODELS, 1,
                                Topics.MODEL_POINTER, 1));
                assertThat(replicas(admin))
                        .allSatisfy((topic, replicas) ->
                                assertThat(replicas).as(topic).isEqualTo(1));
                assertThat(minInsync(admin))
                        .allSatisfy((topic, min) -> assertThat(min).as(topic).isEqualTo("1"));
            }
            // a second service starting changes nothing and has nothing to say
            assertThat(TopicSetup.ensureTopics(kafka.clients(), TopicLayout.DEFAULT))
                    .isEmpty();
        }
    }

    @Test
    void threeBrokersGetThreeReplicasAndTwoInsyncAndKeepWritingWithOneBrokerDown() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(3)) {
            assertThat(TopicSetup.ensureTopics(kafka.clients(), TopicLayout.DEFAULT))
                    .isEmpty();
            try (Admin admin = kafka.admin()) {
                assertThat(partitions(admin)).containsEntry(Topics.IMAGES, 6).containsEntry(Topics.MODELS, 1);
                assertThat(replicas(admin))
                        .allSatisfy((topic, replicas) ->
                                assertThat(replicas).as(topic).isEqualTo(3));
                assertThat(minInsync(admin))
                        .allSatisfy((topic, min) -> assertThat(min).as(topic).isEqualTo("2"));
            }
            // acks=all with min.insync.replicas 2 of 3: with one broker down every record is still written and read
            int stopped =
                    kafka.brokers().keySet().stream().max(Integer::compare).orElseThrow();
            kafka.brokers().get(stopped).shutdown();
            for (int i = 0; i < 12; i++) {
                kafka.produce(Topics.IMAGES, "daisy/" + i + ".jpg", new byte[] {(byte) i}, Map.of());
            }
            assertThat(kafka.consume(Topics.IMAGES, 12, Duration.ofSeconds(60)))
                    .extracting(ConsumerRecord::key)
                    .hasSize(12)
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void existingOnePartitionTopicsKeepWorkingAndTheWarningGivesTheCommand() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            // the topics as the previous release created them
            try (Admin admin = kafka.admin()) {
                admin.createTopics(TopicSetup.topics(new TopicLayout(1, 1, 1), 1))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            List<String> advice = TopicSetup.ensureTopics(kafka.clients(), TopicLayout.DEFAULT);

            assertThat(advice).hasSize(3);
            assertThat(advice).anySatisfy(line -> assertThat(line)
                    .startsWith("Topic images exists with 1 partition(s) where 6 are configured")
                    .contains("it keeps working")
                    .contains("kafka-topics.sh --bootstrap-server " + kafka.bootstrapServers()
                            + " --alter --topic images --partitions 6"));
            assertThat(advice).anySatisfy(line -> assertThat(line)
                    .contains("--topic bottlenecks --partitions 6")
                    .contains("until compaction"));
            try (Admin admin = kafka.admin()) {
                assertThat(partitions(admin)).containsEntry(Topics.IMAGES, 1); // left as it was
            }
            kafka.produce(Topics.IMAGES, "daisy/1.jpg", new byte[] {1}, Map.of());
            assertThat(kafka.consume(Topics.IMAGES, 1, Duration.ofSeconds(30))).hasSize(1);

            // what the warning says to run, done through the admin API: the warning goes away
            try (Admin admin = kafka.admin()) {
                admin.createPartitions(Map.of(
                                Topics.IMAGES, NewPartitions.increaseTo(6),
                                Topics.IMAGES_DLQ, NewPartitions.increaseTo(6),
                                Topics.BOTTLENECKS, NewPartitions.increaseTo(6)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            assertThat(TopicSetup.ensureTopics(kafka.clients(), TopicLayout.DEFAULT))
                    .isEmpty();
        }
    }

    @Test
    void aLayoutTheClusterCannotHoldIsRefusedWithWhatToChange() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            assertThatThrownBy(() -> TopicSetup.ensureTopics(kafka.clients(), new TopicLayout(6, 3, 2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("The replication factor 3 needs 3 brokers, but the cluster has 1")
                    .hasMessageContaining("retrain.topics.replication-factor");
            try (Admin admin = kafka.admin()) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(Topics.IMAGES);
            }
        }
    }

    @Test
    void layoutsChooseFromTheNumberOfBrokers() {
        assertThat(TopicLayout.DEFAULT.replicationFactor(1)).isEqualTo((short) 1);
        assertThat(TopicLayout.DEFAULT.replicationFactor(2)).isEqualTo((short) 2);
        assertThat(TopicLayout.DEFAULT.replicationFactor(5)).isEqualTo((short) 3);
        assertThat(TopicLayout.DEFAULT.minInsyncReplicas((short) 1)).isEqualTo(1);
        assertThat(TopicLayout.DEFAULT.minInsyncReplicas((short) 2)).isEqualTo(1);
        assertThat(TopicLayout.DEFAULT.minInsyncReplicas((short) 3)).isEqualTo(2);
        assertThat(new TopicLayout(12, 0, 0).partitions(Topics.BOTTLENECKS)).isEqualTo(12);
        assertThat(new TopicLayout(12, 0, 0).partitions(Topics.MODELS)).isEqualTo(1);
        assertThat(new TopicLayout(12, 0, 0).partitions(Topics.MODEL_POINTER)).isEqualTo(1);
        assertThatThrownBy(() -> new TopicLayout(0, 0, 0)).hasMessageContaining("retrain.topics.partitions");
        assertThatThrownBy(() -> new TopicLayout(6, 2, 3)).hasMessageContaining("no write could succeed");
        assertThat(TopicSetup.topics(TopicLayout.DEFAULT, 3))
                .extracting(NewTopic::name)
                .containsExactlyElementsOf(ALL);
    }

    private static Map<String, Integer> partitions(Admin admin) throws Exception {
        return describe(admin).values().stream().collect(Collectors.toMap(TopicDescription::name, d -> d.partitions()
                .size()));
    }

    private static Map<String, Integer> replicas(Admin admin) throws Exception {
        return describe(admin).values().stream()
                .collect(Collectors.toMap(
                        TopicDescription::name,
                        d -> d.partitions().get(0).replicas().size()));
    }

    private static Map<String, TopicDescription> describe(Admin admin) throws Exception {
        return admin.describeTopics(ALL).allTopicNames().get(30, TimeUnit.SECONDS);
    }

    private static Map<String, String> minInsync(Admin admin) throws Exception {
        Map<String, String> result = new TreeMap<>();
        var resources = ALL.stream()
                .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic))
                .toList();
        admin.describeConfigs(resources)
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((resource, config) -> result.put(
                        resource.name(),
                        config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()));
        return result;
    }
}
