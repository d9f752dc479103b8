package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.SyntheticBottlenecks;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import java.net.http.HttpResponse;
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
 * Running out is loud: a trainer whose heap cannot hold the bottlenecks on {@code bottlenecks} stops ingesting, and
 * says so in its health (liveness and readiness DOWN with the reason) and in its log (which limit to raise), instead
 * of staying up but deaf. The trainer runs as its own process with a small heap, fed synthetic bottleneck events.
 */
class TrainerOutOfMemoryIT {

    private static final int MAX_EVENTS = 300_000;

    @Test
    void aTrainerOutOfHeapTurnsHealthDownAndSaysWhatToRaise() throws Exception {
        Path root = Path.of(System.getProperty("retrainstream.root.dir", ".."))
                .toAbsolutePath()
                .normalize();
        Path logs = root.resolve("e2e-tests/target/trainer-oom-logs");
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createProjectTopics();
            Map<String, String> env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "TRAINER_AUTO_TRAIN", "false",
                    "RETRAIN_DOWNLOAD", "false");
            try (ServiceProcess trainer = ServiceProcess.start(root, "trainer-service", env, logs, List.of("-Xmx64m"));
                    KafkaProducer<String, byte[]> producer = producer(broker)) {
                trainer.awaitOk("/q/health/live", Duration.ofMinutes(3));
                SyntheticBottlenecks synthetic = new SyntheticBottlenecks(5, 1001, 512, 3.0, 18);
                int sent = 0;
                while (sent < MAX_EVENTS && trainer.get("/q/health/live").statusCode() == 200) {
                    for (int i = 0; i < 2_000; i++, sent++) {
                        BottleneckComputed event = synthetic.event(sent, System.currentTimeMillis());
                        producer.send(new ProducerRecord<>(Topics.BOTTLENECKS, event.imageId(), event.encode()));
                    }
                    producer.flush();
                    ServiceProcess.sleep(500);
                }
                System.out.printf("TrainerOutOfMemoryIT: %d events sent%n", sent);

                HttpResponse<String> live = awaitDown(trainer, "/q/health/live", Duration.ofMinutes(2));
                assertThat(live.statusCode()).as(live.body()).isEqualTo(503);
                assertThat(live.body()).contains("fatal-failures").contains("OutOfMemoryError");
                HttpResponse<String> ready = trainer.get("/q/health/ready");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
                assertThat(ready.body()).contains("OutOfMemoryError");
                assertThat(Files.readString(logs.resolve("trainer-service.log")))
                        .contains("e.g. RETRAIN_JAVA_OPTS=-Xmx2g ./retrain up");
            }
        }
    }

    private static HttpResponse<String> awaitDown(ServiceProcess service, String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpResponse<String> reply = service.get(path);
        while (reply.statusCode() == 200 && System.nanoTime() < deadline) {
            ServiceProcess.sleep(500);
            reply = service.get(path);
        }
        return reply;
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
