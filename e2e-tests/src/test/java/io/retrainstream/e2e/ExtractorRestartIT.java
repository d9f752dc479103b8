package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An extractor (re)started on a {@code bottlenecks} topic larger than its heap starts: it warms its content cache from
 * the topic record by record. It used to read the whole topic into a list first, so that a stack restarted at 300,000
 * images (1.8 GB of events) never got its extractor back (OutOfMemoryError during start-up). The extractor runs as its
 * own process with a 96 MB heap on 30,000 MobileNet-sized events (180 MB).
 */
class ExtractorRestartIT {

    private static final int EVENTS = 30_000;

    @Test
    void anExtractorStartsOnATopicLargerThanItsHeap() throws Exception {
        Path root = Path.of(System.getProperty("retrainstream.root.dir", ".."))
                .toAbsolutePath()
                .normalize();
        Path logs = root.resolve("e2e-tests/target/extractor-restart-logs");
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createProjectTopics();
            SyntheticBottlenecks synthetic = new SyntheticBottlenecks(5, 1001, 512, 3.0, 21);
            try (KafkaProducer<String, byte[]> producer = producer(broker)) {
                for (int i = 0; i < EVENTS; i++) {
                    BottleneckComputed event = synthetic.event(i, System.currentTimeMillis());
                    producer.send(new ProducerRecord<>(Topics.BOTTLENECKS, event.imageId(), event.encode()));
                }
                producer.flush();
            }
            Map<String, String> env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "RETRAIN_ARCHITECTURE", "mobilenet_0.25_128",
                    "RETRAIN_MODEL_DIR",
                            root.resolve("../shared/models").normalize().toString(),
                    "RETRAIN_DOWNLOAD", "false",
                    "RETRAIN_EXTRACTOR_IMAGE_STORE",
                            root.resolve("e2e-tests/target/extractor-restart-images")
                                    .toString());
            try (ServiceProcess extractor =
                    ServiceProcess.start(root, "extractor-service", env, logs, List.of("-Xmx96m"))) {
                extractor.awaitOk("/q/health/ready", Duration.ofMinutes(4));
                String log = Files.readString(logs.resolve("extractor-service.log"));
                assertThat(log)
                        .doesNotContain("OutOfMemoryError")
                        .contains("Cached 0 bottlenecks of mobilenet_0.25_128");
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer(KafkaBroker broker) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }
}
