package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.cli.stack.Workspace;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SecuredKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish} against a real broker that accepts only SASL (PLAIN) over TLS: with the {@code kafka.*} settings
 * (system properties here; {@code KAFKA_*} environment variables for a user) it publishes; without them it says what
 * to set.
 */
class SecuredPublishTest {

    @TempDir
    static Path certificates;

    private static SecuredKafka secured;
    private static KafkaBroker kafka;

    @TempDir
    Path root;

    @BeforeAll
    static void startKafka() {
        secured = SecuredKafka.create(certificates);
        kafka = KafkaBroker.start(secured);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void clearSettings() {
        secured.clientSettings().keySet().forEach(name -> System.clearProperty(KafkaClients.PREFIX + "." + name));
    }

    @Test
    void publishesWithTheKafkaSettings() throws Exception {
        secured.clientSettings().forEach((name, value) -> System.setProperty(KafkaClients.PREFIX + "." + name, value));
        byte[] photo = write(root.resolve("photos/daisy/1.jpg"));

        TestConsole console = new TestConsole(new Workspace(root, root));
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--bootstrap", kafka.bootstrapServers()},
                console.context);

        assertThat(status).as(console.err()).isZero();
        assertThat(console.out()).contains("Published 1 images");
        ConsumerRecord<String, byte[]> record =
                kafka.consume(Topics.IMAGES, 1, Duration.ofSeconds(30)).get(0);
        assertThat(record.key()).isEqualTo("daisy/1.jpg");
        assertThat(record.value()).isEqualTo(photo);
    }

    @Test
    void withoutTheSettingsSaysWhatToSet() throws Exception {
        write(root.resolve("photos/daisy/1.jpg"));

        TestConsole console = new TestConsole(new Workspace(root, root));
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--bootstrap", kafka.bootstrapServers()},
                console.context);

        assertThat(status).isEqualTo(1);
        assertThat(console.err())
                .contains("Cannot reach Kafka at " + kafka.bootstrapServers())
                .contains("does its listener speak PLAINTEXT")
                .contains("KAFKA_SECURITY_PROTOCOL");
    }

    @Test
    void aWrongPasswordSaysWhichSettingIsWrong() throws Exception {
        secured.clientSettings("wrong-password")
                .forEach((name, value) -> System.setProperty(KafkaClients.PREFIX + "." + name, value));
        write(root.resolve("photos/daisy/1.jpg"));

        TestConsole console = new TestConsole(new Workspace(root, root));
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--bootstrap", kafka.bootstrapServers()},
                console.context);

        assertThat(status).isEqualTo(1);
        assertThat(console.err())
                .contains("Authentication failed")
                .contains("KAFKA_SASL_JAAS_CONFIG")
                .doesNotContain("wrong-password");
    }

    private static byte[] write(Path file) throws Exception {
        byte[] bytes = new byte[1200];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return bytes;
    }
}
