package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.cli.stack.Workspace;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish} against a real KRaft broker in the test JVM. */
class PublishCommandTest {

    private static KafkaBroker kafka;

    @TempDir
    Path root;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void publishesOneRecordPerImageWithLabelAndFileName() throws Exception {
        Path photos = root.resolve("photos");
        byte[] daisy = write(photos.resolve("daisy/1.jpg"), 11);
        byte[] daisyUpper = write(photos.resolve("daisy/2.PNG"), 22);
        byte[] roses = write(photos.resolve("Red Roses/a.jpeg"), 33);
        write(photos.resolve("daisy/notes.txt"), 44);

        TestConsole console = new TestConsole(new Workspace(root, root));
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--bootstrap", kafka.bootstrapServers()},
                console.context);

        assertThat(status).as(console.err()).isZero();
        List<ConsumerRecord<String, byte[]>> records = kafka.consume(Topics.IMAGES, 3, Duration.ofSeconds(30));
        Map<String, ConsumerRecord<String, byte[]>> byKey =
                records.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> r));
        assertThat(byKey).containsOnlyKeys("daisy/1.jpg", "daisy/2.PNG", "Red Roses/a.jpeg");
        assertThat(byKey.get("daisy/1.jpg").value()).isEqualTo(daisy);
        assertThat(byKey.get("daisy/2.PNG").value()).isEqualTo(daisyUpper);
        assertThat(byKey.get("Red Roses/a.jpeg").value()).isEqualTo(roses);
        assertThat(header(byKey.get("Red Roses/a.jpeg"), Topics.LABEL)).isEqualTo("Red Roses");
        assertThat(header(byKey.get("Red Roses/a.jpeg"), Topics.FILENAME)).isEqualTo("a.jpeg");
        assertThat(header(byKey.get("daisy/2.PNG"), Topics.LABEL)).isEqualTo("daisy");
        assertThat(header(byKey.get("daisy/2.PNG"), Topics.FILENAME)).isEqualTo("2.PNG");

        assertThat(console.out())
                .contains("Published 3 images")
                .containsPattern("Red Roses\\s+1")
                .containsPattern("daisy\\s+2");
        try (var admin = kafka.admin()) {
            // publish creates the project's topics as the services would
            assertThat(admin.listTopics().names().get())
                    .contains(Topics.IMAGES, Topics.IMAGES_DLQ, Topics.BOTTLENECKS, Topics.MODELS);
        }
    }

    @Test
    void skipsPhotosWhoseHeaderIsOverThePixelBudget() throws Exception {
        Path photos = root.resolve("budget");
        Files.createDirectories(photos.resolve("daisy"));
        Files.write(
                photos.resolve("daisy/huge.jpg"), io.retrainstream.common.testing.HostileImages.jpegBomb(9000, 9000));
        Files.write(
                photos.resolve("daisy/small.jpg"), io.retrainstream.common.testing.HostileImages.jpegBomb(900, 900));
        TestConsole console = new TestConsole(new Workspace(root, root));
        int status = Main.run(
                new String[] {
                    "publish",
                    "--image-dir",
                    "budget",
                    "--bootstrap",
                    kafka.bootstrapServers(),
                    "--max-image-pixels",
                    "50000000"
                },
                console.context);
        assertThat(status).as(console.err()).isZero();
        assertThat(console.err())
                .contains("skipping")
                .contains("huge.jpg")
                .contains("9000 x 9000")
                .contains("50.0 megapixels");
        assertThat(console.out()).contains("Published 1 images");
        assertThat(Main.run(
                        new String[] {"publish", "--image-dir", "budget", "--max-image-pixels", "lots"},
                        new TestConsole(new Workspace(root, root)).context))
                .isNotZero();
    }

    @Test
    void saysWhatToDoWhenKafkaIsNotThere() throws Exception {
        write(root.resolve("photos/daisy/1.jpg"), 1);
        TestConsole console = new TestConsole(root);
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--bootstrap", "localhost:1"}, console.context);
        assertThat(status).isEqualTo(1);
        assertThat(console.err()).contains("Cannot reach Kafka at localhost:1").contains("./retrain up");
    }

    private static byte[] write(Path file, int seed) throws Exception {
        byte[] bytes = new byte[1000 + seed];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * seed);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return bytes;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
