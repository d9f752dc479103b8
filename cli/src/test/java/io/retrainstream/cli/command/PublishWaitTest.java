package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.cli.Main;
import io.retrainstream.cli.TestConsole;
import io.retrainstream.cli.stack.Workspace;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish --wait} against a real KRaft broker: real flower photos and one broken file, and a consumer in the
 * extractor's group standing in for the extractor (a bottleneck for each JPEG, a dead letter with a reason for the
 * rest, committed after sending, as the extractor does).
 */
class PublishWaitTest {

    private static KafkaBroker kafka;

    @TempDir
    Path root;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaBroker.start();
        kafka.createProjectTopics();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void waitsForEveryPhotoAndPrintsBottlenecksPerClassAndTheRejectedOnes() throws Exception {
        Path photos = root.resolve("photos");
        copyPhotos("daisy", 4, photos);
        copyPhotos("roses", 3, photos);
        Files.write(photos.resolve("roses/broken.jpg"), "not a photo at all".getBytes(StandardCharsets.UTF_8));

        AtomicBoolean stop = new AtomicBoolean();
        Thread extractor = new Thread(() -> extract(stop), "stand-in-extractor");
        extractor.start();
        TestConsole console = new TestConsole(new Workspace(root, root));
        int status;
        try {
            status = Main.run(
                    new String[] {"publish", "--image-dir", "photos", "--wait", "--bootstrap", kafka.bootstrapServers()
                    },
                    console.context);
        } finally {
            stop.set(true);
            extractor.join(10_000);
        }

        // a rejected photo is reported, as a skipped file is warned about; the others train
        assertThat(status).as(console.err()).isZero();
        assertThat(console.out())
                .contains("Published 8 images to topic 'images'")
                .contains("Extracted 7 of 8 photos in ")
                .containsPattern("daisy\\s+4")
                .containsPattern("roses\\s+3")
                .contains("The extractor rejected 1 photo(s) (topic 'images.dlq'):")
                .contains("  roses/broken.jpg: not a JPEG (stand-in extractor)");
        assertThat(console.err()).contains("8/8 extracted");
    }

    @Test
    void withoutAnExtractorItSaysSoInsteadOfWaitingForEver() throws Exception {
        Path photos = root.resolve("photos");
        copyPhotos("daisy", 1, photos);
        copyPhotos("roses", 1, photos);
        TestConsole console = new TestConsole(new Workspace(root, root));
        long start = System.nanoTime();
        int status = Main.run(
                new String[] {"publish", "--image-dir", "photos", "--wait", "--bootstrap", kafka.bootstrapServers()},
                console.context);

        assertThat(status).isEqualTo(1);
        assertThat(console.err())
                .contains("No extractor is running (consumer group 'extractor' has no member for 30 s), "
                        + "waiting for 2 of 2 photos to be extracted")
                .contains("./retrain up starts what is missing")
                .contains("./retrain train --no-wait-for-photos");
        System.out.printf(
                "publish --wait gave up on a missing extractor after %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void copyPhotos(String label, int count, Path photos) throws Exception {
        Path folder = Files.createDirectories(photos.resolve(label));
        try (Stream<Path> files = Files.list(SharedData.flowers().resolve(label))) {
            for (Path photo : files.sorted().limit(count).toList()) {
                Files.copy(photo, folder.resolve(photo.getFileName()));
            }
        }
    }

    private static void extract(AtomicBoolean stop) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, ExtractionProgress.EXTRACTOR_GROUP);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2);
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.IMAGES));
            while (!stop.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    byte[] value = record.value();
                    if (value.length > 2 && (value[0] & 0xff) == 0xff && (value[1] & 0xff) == 0xd8) {
                        kafka.produce(Topics.BOTTLENECKS, record.key(), new byte[] {1}, Map.of());
                    } else {
                        Map<String, String> headers = new HashMap<>();
                        for (Header header : record.headers()) {
                            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
                        }
                        headers.put(Topics.DLQ_REASON, "not a JPEG (stand-in extractor)");
                        headers.put("dlq-source", record.topic() + "-" + record.partition() + "@" + record.offset());
                        kafka.produce(Topics.IMAGES_DLQ, record.key(), value, headers);
                    }
                }
                consumer.commitSync();
            }
        }
    }
}
