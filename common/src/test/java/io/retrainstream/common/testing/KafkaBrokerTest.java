package io.retrainstream.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.kafka.TopicSetup;
import io.retrainstream.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-JVM broker the service tests run against, and the project's topics on it. */
class KafkaBrokerTest {

    private static KafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theProjectTopicsExistWithTheirPolicies() throws Exception {
        kafka.createProjectTopics(); // a second call (another service starting) changes nothing
        try (Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(
                            Topics.IMAGES, Topics.IMAGES_DLQ, Topics.BOTTLENECKS, Topics.MODELS, Topics.MODEL_POINTER);
            List<ConfigResource> resources = TopicSetup.topics().stream()
                    .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                    .toList();
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            Map<String, String> policies = new LinkedHashMap<>();
            configs.forEach((resource, config) -> {
                policies.put(
                        resource.name(),
                        config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
                assertThat(config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value())
                        .as(resource.name())
                        .isEqualTo(Integer.toString(TopicSetup.MAX_MESSAGE_BYTES));
            });
            assertThat(policies)
                    .containsOnly(
                            Map.entry(Topics.IMAGES, TopicConfig.CLEANUP_POLICY_DELETE),
                            Map.entry(Topics.IMAGES_DLQ, TopicConfig.CLEANUP_POLICY_DELETE),
                            Map.entry(Topics.BOTTLENECKS, TopicConfig.CLEANUP_POLICY_COMPACT),
                            Map.entry(Topics.MODELS, TopicConfig.CLEANUP_POLICY_COMPACT),
                            Map.entry(Topics.MODEL_POINTER, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
    }

    @Test
    void producesAndConsumesWithHeaders() {
        String topic = "broker-test-headers";
        byte[] value = {1, 2, 3, (byte) 0xFF};
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(Topics.LABEL, "sun flowers");
        headers.put(Topics.FILENAME, "日本語 photo, 1.jpg");
        kafka.produce(topic, "sunflowers/1.jpg", value, headers);
        kafka.produce(topic, "sunflowers/2.jpg", new byte[0], null);

        List<ConsumerRecord<String, byte[]>> records = kafka.consume(topic, 2, Duration.ofSeconds(30));
        assertThat(records).extracting(ConsumerRecord::key).containsExactly("sunflowers/1.jpg", "sunflowers/2.jpg");
        ConsumerRecord<String, byte[]> first = records.get(0);
        assertThat(first.value()).containsExactly(value);
        assertThat(first.headers().toArray()).extracting(Header::key).containsExactly(Topics.LABEL, Topics.FILENAME);
        assertThat(new String(first.headers().lastHeader(Topics.FILENAME).value(), StandardCharsets.UTF_8))
                .isEqualTo("日本語 photo, 1.jpg");
        assertThat(records.get(1).headers().toArray()).isEmpty();

        // a fresh consumer each time, from the beginning, nothing committed
        assertThat(kafka.consume(topic, 1, Duration.ofSeconds(30)))
                .singleElement()
                .extracting(ConsumerRecord::key)
                .isEqualTo("sunflowers/1.jpg");
    }

    @Test
    void acceptsRecordsOfNearly16Megabytes() {
        byte[] value = new byte[TopicSetup.MAX_MESSAGE_BYTES - 64 * 1024];
        Arrays.fill(value, (byte) 7);
        value[value.length - 1] = 9;
        kafka.produce(Topics.IMAGES, "big", value, Map.of(Topics.LABEL, "big"));
        ConsumerRecord<String, byte[]> record =
                kafka.consume(Topics.IMAGES, 1, Duration.ofSeconds(60)).get(0);
        assertThat(record.key()).isEqualTo("big");
        assertThat(record.value()).hasSize(value.length);
        assertThat(record.value()[value.length - 1]).isEqualTo((byte) 9);
    }

    @Test
    void consumeSaysHowManyArrived() {
        assertThatThrownBy(() -> kafka.consume(Topics.IMAGES_DLQ, 1, Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Only 0 of 1")
                .hasMessageContaining(Topics.IMAGES_DLQ);
        assertThatThrownBy(() -> kafka.consume("no-such-topic", 1, Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no-such-topic")
                .hasMessageContaining("does not exist");
    }

    @Test
    void theQuarkusResourceHandsOutTheBootstrapServers() {
        KafkaBrokerResource resource = new KafkaBrokerResource();
        Map<String, String> config = resource.start();
        try {
            assertThat(config).containsOnlyKeys("kafka.bootstrap.servers");
            assertThat(KafkaBrokerResource.broker().bootstrapServers())
                    .isEqualTo(config.get("kafka.bootstrap.servers"));
            KafkaBrokerResource.broker().produce(Topics.MODELS, "000000000001", new byte[] {1}, Map.of());
            assertThat(KafkaBrokerResource.broker().consume(Topics.MODELS, 1, Duration.ofSeconds(30)))
                    .hasSize(1);
        } finally {
            resource.stop();
        }
        assertThatThrownBy(KafkaBrokerResource::broker).isInstanceOf(IllegalStateException.class);
    }
}
