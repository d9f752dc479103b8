package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.HostileImages.Expect;
import io.retrainstream.common.testing.HostileImages.Input;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.SharedData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hostile-input suite against the packaged services as separate processes, with their production JVM options
 * (so JavaCPP's native memory cap is the real one): every input of {@link HostileImages#corpus} is produced to
 * {@code images} and posted to {@code /classify}. After each, both services are alive, the classifier still answers
 * a normal photo with the same top class, and each service's resident memory is under 1 GiB; at the end every record
 * is either a bottleneck or a dead letter with a reason, and the extractor still extracts.
 */
class HostileInputIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final double MEMORY_LIMIT_MIB = 1024;

    private static ServiceStack stack;
    private static KafkaBroker broker;
    private static ServiceProcess extractor;
    private static ServiceProcess trainer;
    private static ServiceProcess classifier;

    @BeforeAll
    static void startSystem() {
        stack = ServiceStack.start(ARCHITECTURE, "hostile", Map.of("TRAINER_CONTINUOUS_EVERY", "3s"));
        broker = stack.broker();
        extractor = stack.extractor();
        trainer = stack.trainer();
        classifier = stack.classifier();
    }

    @AfterAll
    static void stopSystem() {
        if (stack != null) {
            stack.close();
        }
    }

    /** One row of the suite's table. */
    private record Row(String input, int bytes, String http, long millis, double extractorMiB, double classifierMiB) {}

    @Test
    void noInputStopsAServiceOrEscapesTheDeadLetterTopic() throws Exception {
        int published = 0;
        for (String label : List.of("daisy", "roses", "sunflowers")) {
            for (Path photo : SharedData.flowerPhotos(label, 12)) {
                broker.publishPhoto(photo);
                published++;
            }
        }
        awaitModel(Duration.ofMinutes(5));
        pinServedModel();
        byte[] daisy = SharedData.read(SharedData.flowerPhotos("daisy", 13).get(12));
        String expectedTop = topLabel(classifier.post("/classify", "image/jpeg", daisy));

        byte[] photo = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
        List<Input> corpus = new ArrayList<>(HostileImages.corpus(photo));
        Map<String, Input> byKey = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            Input input = corpus.get(i);
            String key = "hostile/" + i;
            byKey.put(key, input);
            broker.produce(
                    Topics.IMAGES, key, input.bytes(), Map.of(Topics.LABEL, "daisy", Topics.FILENAME, i + ".img"));
            long start = System.nanoTime();
            HttpResponse<String> reply = classifier.post("/classify", "application/octet-stream", input.bytes());
            long millis = (System.nanoTime() - start) / 1_000_000;
            rows.add(afterEach(input.name(), input.bytes().length, reply, millis, daisy, expectedTop));
            if (input.expect() == Expect.USABLE) {
                assertThat(reply.statusCode())
                        .as(input.name() + ": " + reply.body())
                        .isEqualTo(200);
            } else if (input.expect() == Expect.REFUSED) {
                assertThat(reply.statusCode())
                        .as(input.name() + ": " + reply.body())
                        .isBetween(400, 499);
            } else {
                assertThat(reply.statusCode())
                        .as(input.name() + ": " + reply.body())
                        .isIn(200, 400, 413);
            }
        }
        // Records only Kafka can carry, and a body over the HTTP limit
        broker.produce(Topics.IMAGES, "hostile/unlabelled", photo, Map.of(Topics.FILENAME, "x.jpg"));
        broker.produce(Topics.IMAGES, "hostile/empty", new byte[0], Map.of(Topics.LABEL, "daisy"));
        broker.produce(Topics.IMAGES, "hostile/null", null, Map.of(Topics.LABEL, "daisy"));
        byKey.put("hostile/unlabelled", new Input("record without label", photo, Expect.REFUSED));
        byKey.put("hostile/empty", new Input("empty record", new byte[0], Expect.REFUSED));
        byKey.put("hostile/null", new Input("null record", new byte[0], Expect.REFUSED));
        byte[] overLimit = new byte[17 * 1024 * 1024];
        System.arraycopy(photo, 0, overLimit, 0, photo.length);
        long start = System.nanoTime();
        // Expect: 100-continue, as curl sends for large bodies: the server can refuse before the body is sent
        HttpResponse<String> tooLarge = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        java.net.http.HttpRequest.newBuilder(classifier.uri("/classify"))
                                .header("Content-Type", "image/jpeg")
                                .expectContinue(true)
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(overLimit))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        rows.add(afterEach(
                "body of 17 MiB (over the 16M limit)",
                overLimit.length,
                tooLarge,
                (System.nanoTime() - start) / 1_000_000,
                daisy,
                expectedTop));
        assertThat(tooLarge.statusCode()).isEqualTo(413);

        // A normal photo published last is still extracted: nothing halted the pipeline
        byte[] lastPhoto = SharedData.read(SharedData.flowerPhotos("roses", 13).get(12));
        broker.produce(Topics.IMAGES, "after/rose.jpg", lastPhoto, Map.of(Topics.LABEL, "roses"));

        Map<String, String> outcomes = outcomes(byKey.keySet(), "after/rose.jpg", Duration.ofMinutes(3));
        System.out.println();
        System.out.println("Hostile-input suite (" + ARCHITECTURE + ", services as processes, 2 cores)");
        System.out.printf(
                "%-58s %9s  %-44s %-34s %6s %8s %8s%n",
                "input", "bytes", "images -> extractor", "POST /classify", "ms", "ex MiB", "cl MiB");
        int k = 0;
        for (Map.Entry<String, Input> entry : byKey.entrySet()) {
            Row row = k < corpus.size() ? rows.get(k) : null;
            System.out.printf(
                    "%-58s %9d  %-44s %-34s %6s %8s %8s%n",
                    entry.getValue().name(),
                    entry.getValue().bytes().length,
                    abbreviate(outcomes.get(entry.getKey()), 44),
                    row == null ? "(Kafka only)" : abbreviate(row.http(), 34),
                    row == null ? "" : row.millis(),
                    row == null ? "" : String.format("%.0f", row.extractorMiB()),
                    row == null ? "" : String.format("%.0f", row.classifierMiB()));
            k++;
        }
        Row last = rows.get(rows.size() - 1);
        System.out.printf(
                "%-58s %9d  %-44s %-34s %6d %8.0f %8.0f%n",
                last.input(),
                last.bytes(),
                "(HTTP only)",
                abbreviate(last.http(), 34),
                last.millis(),
                last.extractorMiB(),
                last.classifierMiB());
        System.out.printf(
                "Largest resident memory after an input: extractor %.0f MiB, classifier %.0f MiB%n",
                rows.stream().mapToDouble(Row::extractorMiB).max().orElse(0),
                rows.stream().mapToDouble(Row::classifierMiB).max().orElse(0));

        for (Map.Entry<String, Input> entry : byKey.entrySet()) {
            String outcome = outcomes.get(entry.getKey());
            assertThat(outcome).as(entry.getValue().name()).isNotNull();
            if (entry.getValue().expect() == Expect.USABLE) {
                assertThat(outcome).as(entry.getValue().name()).startsWith("bottleneck");
            } else if (entry.getValue().expect() == Expect.REFUSED) {
                assertThat(outcome).as(entry.getValue().name()).startsWith("dead letter: ");
                assertThat(outcome.length()).as(entry.getValue().name()).isGreaterThan("dead letter: ".length() + 5);
            }
        }
        assertThat(outcomes.get("after/rose.jpg")).startsWith("bottleneck");
        JsonNode dataset = JSON.readTree(trainer.get("/dataset").body());
        assertThat(dataset.get("images").asInt()).isGreaterThanOrEqualTo(published + 1);
    }

    /** After one input: both services alive, the classifier's answer to a normal photo unchanged, memory bounded. */
    private static Row afterEach(
            String name, int bytes, HttpResponse<String> reply, long millis, byte[] daisy, String expectedTop)
            throws Exception {
        assertThat(extractor.get("/q/health/live").statusCode())
                .as("extractor alive after " + name)
                .isEqualTo(200);
        assertThat(classifier.get("/q/health/live").statusCode())
                .as("classifier alive after " + name)
                .isEqualTo(200);
        HttpResponse<String> normal = classifier.post("/classify", "image/jpeg", daisy);
        assertThat(normal.statusCode())
                .as("a normal photo after " + name + ": " + normal.body())
                .isEqualTo(200);
        assertThat(topLabel(normal)).as("a normal photo after " + name).isEqualTo(expectedTop);
        double extractorMiB = extractor.residentMiB();
        double classifierMiB = classifier.residentMiB();
        assertThat(extractorMiB).as("extractor resident MiB after " + name).isLessThan(MEMORY_LIMIT_MIB);
        assertThat(classifierMiB).as("classifier resident MiB after " + name).isLessThan(MEMORY_LIMIT_MIB);
        String message = reply.statusCode() == 200 ? "" : " " + message(reply);
        return new Row(name, bytes, reply.statusCode() + message, millis, extractorMiB, classifierMiB);
    }

    private static String topLabel(HttpResponse<String> reply) throws Exception {
        return JSON.readTree(reply.body())
                .get("predictions")
                .get(0)
                .get("label")
                .asText();
    }

    private static String message(HttpResponse<String> reply) {
        try {
            return JSON.readTree(reply.body()).get("message").asText();
        } catch (Exception e) {
            return reply.body();
        }
    }

    /**
     * Pins the served version: the normal photo's answer is compared with that model's, and continuous runs on the
     * hostile inputs that decode (published with the label daisy) would otherwise swap in newer models meanwhile.
     */
    private static void pinServedModel() throws Exception {
        long version =
                JSON.readTree(classifier.get("/model").body()).get("version").asLong();
        HttpResponse<String> pinned = trainer.post("/models/" + version + "/pin", "application/json", new byte[0]);
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (JSON.readTree(classifier.get("/model").body()).get("version").asLong() != version) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Version " + version + " not served within 60 s of pinning it");
            }
            ServiceProcess.sleep(200);
        }
    }

    private static void awaitModel(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (classifier.get("/model").statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("No model served within " + timeout + ":\n" + trainer.tail());
            }
            ServiceProcess.sleep(500);
        }
    }

    /**
     * What became of each key: {@code bottleneck} or {@code dead letter: <reason>}, read from both topics until every
     * key has an outcome (or the timeout passes, leaving the missing ones null).
     */
    private static Map<String, String> outcomes(java.util.Set<String> keys, String lastKey, Duration timeout) {
        Map<String, String> outcomes = new HashMap<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.BOTTLENECKS, Topics.IMAGES_DLQ)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline
                    && !(outcomes.keySet().containsAll(keys) && outcomes.containsKey(lastKey))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.topic().equals(Topics.BOTTLENECKS)) {
                        BottleneckComputed bottleneck = BottleneckComputed.decode(record.value());
                        outcomes.merge(
                                record.key(),
                                "bottleneck (" + bottleneck.vector().length + " floats)",
                                (a, b) -> a + "; " + b);
                    } else {
                        Header reason = record.headers().lastHeader(Topics.DLQ_REASON);
                        outcomes.merge(
                                record.key(),
                                "dead letter: "
                                        + (reason == null
                                                ? "(no reason)"
                                                : new String(reason.value(), StandardCharsets.UTF_8)),
                                (a, b) -> a + "; " + b);
                    }
                }
            }
        }
        return outcomes;
    }

    private static String abbreviate(String text, int width) {
        if (text == null) {
            return "(nothing)";
        }
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }
}
