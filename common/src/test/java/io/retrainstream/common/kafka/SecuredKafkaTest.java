package io.retrainstream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SecuredKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw clients ({@link TopicSetup}, {@link TopicReader}) against a real broker that accepts only SASL (PLAIN) over
 * TLS with a certificate made for the test: they work with the shared {@code kafka.*} settings and fail, saying what to
 * set, without them.
 */
class SecuredKafkaTest {

    @TempDir
    static Path certificates;

    private static SecuredKafka secured;
    private static KafkaBroker kafka;

    @BeforeAll
    static void startBroker() {
        secured = SecuredKafka.create(certificates);
        kafka = KafkaBroker.start(secured);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void rawClientsWorkWithTheSettingsFromKafkaEnvironmentVariables() throws Exception {
        // The settings as a deployment gives them: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_JAAS_CONFIG, ...
        Map<String, String> environment = new HashMap<>();
        kafka.clients()
                .settings()
                .forEach((name, value) ->
                        environment.put("KAFKA_" + name.toUpperCase().replace('.', '_'), value));
        environment.put("PATH", "/usr/bin");
        KafkaClients clients = KafkaClients.fromEnvironment(environment);
        assertThat(clients.settings()).isEqualTo(kafka.clients().settings());
        assertThat(clients.securityProtocol()).isEqualTo("SASL_SSL");

        assertThat(TopicSetup.ensureTopics(clients, TopicLayout.DEFAULT)).isEmpty();
        try (Admin admin = clients.admin(30_000)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .contains(Topics.IMAGES, Topics.BOTTLENECKS, Topics.MODELS, Topics.MODEL_POINTER);
        }
        kafka.produce(Topics.MODEL_POINTER, Topics.POINTER_KEY, new byte[] {7}, Map.of());
        List<ConsumerRecord<String, byte[]>> read =
                TopicReader.readAll(clients, Topics.MODEL_POINTER, Duration.ofSeconds(30));
        assertThat(read).singleElement().satisfies(record -> assertThat(record.value())
                .containsExactly(7));
        assertThat(TopicReader.endOffsets(clients, Topics.MODEL_POINTER, Duration.ofSeconds(30)))
                .containsEntry(0, 1L);
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheCredentialSettings() {
        Map<String, String> settings = new HashMap<>(secured.clientSettings("not-the-password"));
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        KafkaClients clients = KafkaClients.of(settings);

        assertThatThrownBy(() -> TopicSetup.ensureTopics(clients, TopicLayout.DEFAULT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot create the topics on Kafka at " + kafka.bootstrapServers())
                .hasMessageContaining("Authentication failed")
                .hasMessageContaining("kafka.sasl.jaas.config")
                .hasMessageNotContaining("not-the-password");
        assertThatThrownBy(() -> TopicReader.readAll(clients, Topics.MODELS, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Authentication failed")
                .hasMessageContaining("kafka.sasl.jaas.config");
    }

    @Test
    void aPlainClientFailsSayingToSetTheSecurityProtocol() {
        KafkaClients plain = KafkaClients.of(kafka.bootstrapServers());

        assertThatThrownBy(() -> TopicReader.endOffsets(plain, Topics.IMAGES, Duration.ofSeconds(3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot read the end of topic images from Kafka at " + kafka.bootstrapServers())
                .hasMessageContaining("does its listener speak PLAINTEXT")
                .hasMessageContaining("kafka.security.protocol");
    }

    @Test
    void theSettingsNeverShowTheirSecrets() {
        KafkaClients clients = kafka.clients();
        assertThat(clients.toString())
                .startsWith("Kafka at " + kafka.bootstrapServers())
                .contains("security.protocol=SASL_SSL", "sasl.jaas.config", "ssl.truststore.password")
                .doesNotContain(clients.settings().get("ssl.truststore.password"))
                .doesNotContain("password=\"");
    }

    @Test
    void configurationNamesMapAsTheQuarkusKafkaExtensionMapsThem() {
        assertThat(KafkaClients.settingName("kafka.bootstrap.servers")).isEqualTo("bootstrap.servers");
        assertThat(KafkaClients.settingName("KAFKA_SASL_JAAS_CONFIG")).isEqualTo("sasl.jaas.config");
        assertThat(KafkaClients.settingName("kafka.ssl.truststore.location")).isEqualTo("ssl.truststore.location");
        assertThat(KafkaClients.settingName("kafkaesque")).isNull();
        assertThat(KafkaClients.settingName("quarkus.kafka.devservices.enabled"))
                .isNull();
        // only the shared connection settings are kept; a role's own settings are the client's business
        KafkaClients clients = KafkaClients.fromConfig(
                List.of("kafka.bootstrap.servers", "kafka.security.protocol", "kafka.group.id", "kafka.acks"),
                name -> name.endsWith("servers") ? "b:9093" : name.endsWith("protocol") ? "SSL" : "x");
        assertThat(clients.settings())
                .containsOnly(Map.entry("bootstrap.servers", "b:9093"), Map.entry("security.protocol", "SSL"));
        assertThat(clients.producerProperties())
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true)
                .containsEntry("security.protocol", "SSL");
    }
}
