package io.retrainstream.extractor;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureRows;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The extractor's consume/produce path against a real KRaft broker and the real MobileNet graph. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExtractorPipelineTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Bottlenecks the first test leaves on the topic, which the second reads past. */
    private static final int FIRST_TEST_BOTTLENECKS = 3;

    @Test
    @Order(1)
    void imagesBecomeBottlenecksAndBadRecordsGoToTheDeadLetterTopic() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Path daisy = SharedData.flowerPhotos("daisy", 1).get(0);
        Path rose = SharedData.flowerPhotos("roses", 1).get(0);
        byte[] daisyBytes = SharedData.read(daisy);
        broker.produce(
                Topics.IMAGES,
                "daisy/" + daisy.getFileName(),
                daisyBytes,
                Map.of(
                        Topics.LABEL,
                        "Daisy",
                        Topics.FILENAME,
                        daisy.getFileName().toString()));
        broker.produce(
                Topics.IMAGES,
                "roses/" + rose.getFileName(),
                SharedData.read(rose),
                Map.of(
                        Topics.LABEL,
                        "roses",
                        Topics.FILENAME,
                        rose.getFileName().toString()));
        broker.produce(
                Topics.IMAGES,
                "broken/truncated.jpg",
                Arrays.copyOf(daisyBytes, 300),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "truncated.jpg"));
        broker.produce(
                Topics.IMAGES,
                "broken/text.jpg",
                "not an image".getBytes(StandardCharsets.UTF_8),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "text.jpg"));
        broker.produce(Topics.IMAGES, "broken/unlabelled.jpg", daisyBytes, Map.of(Topics.FILENAME, "x.jpg"));
        broker.produce(Topics.IMAGES, "broken/empty.jpg", new byte[0], Map.of(Topics.LABEL, "daisy"));
        broker.produce(Topics.IMAGES, "broken/null.jpg", null, Map.of(Topics.LABEL, "daisy"));
        broker.produce(
                Topics.IMAGES, "broken/bomb.jpg", HostileImages.jpegBomb(13000, 13000), Map.of(Topics.LABEL, "daisy"));
        // The same photo again under another id: served from the content cache, not recomputed.
        broker.produce(
                Topics.IMAGES,
                "daisy/copy.jpg",
                daisyBytes,
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "copy.jpg"));

        // The topics have several partitions: records come back in order per image id, in any order across ids
        Map<String, BottleneckComputed> byId = new java.util.HashMap<>();
        broker.consume(Topics.BOTTLENECKS, FIRST_TEST_BOTTLENECKS, TIMEOUT)
                .forEach(record -> byId.put(record.key(), BottleneckComputed.decode(record.value())));
        List<String> ids = List.of("daisy/" + daisy.getFileName(), "roses/" + rose.getFileName(), "daisy/copy.jpg");
        assertThat(byId).containsOnlyKeys(ids);
        List<BottleneckComputed> bottlenecks = ids.stream().map(byId::get).toList();
        assertThat(bottlenecks).extracting(BottleneckComputed::imageId).containsExactlyElementsOf(ids);
        assertThat(bottlenecks).extracting(BottleneckComputed::label).containsExactly("daisy", "roses", "daisy");
        assertThat(bottlenecks).allSatisfy(b -> {
            assertThat(b.vector()).hasSize(1001);
            assertThat(b.pooled()).hasSize(256);
            assertThat(b.architecture()).isEqualTo("mobilenet_0.25_128@sha256:76fec915bb13");
            assertThat(b.contentHash()).hasSize(64);
        });
        assertThat(bottlenecks.get(2).vector())
                .containsExactly(bottlenecks.get(0).vector());
        assertThat(bottlenecks.get(0).vector()).isNotEqualTo(bottlenecks.get(1).vector());

        List<String> deadKeys = List.of(
                "broken/truncated.jpg",
                "broken/text.jpg",
                "broken/unlabelled.jpg",
                "broken/empty.jpg",
                "broken/null.jpg",
                "broken/bomb.jpg");
        Map<String, ConsumerRecord<String, byte[]>> deadByKey = new java.util.HashMap<>();
        broker.consume(Topics.IMAGES_DLQ, 6, TIMEOUT).forEach(record -> deadByKey.put(record.key(), record));
        assertThat(deadByKey).containsOnlyKeys(deadKeys);
        List<ConsumerRecord<String, byte[]>> dead =
                deadKeys.stream().map(deadByKey::get).toList();
        assertThat(reason(dead.get(0))).contains("cannot decode");
        assertThat(reason(dead.get(1))).contains("not a JPEG, PNG, GIF or BMP");
        assertThat(reason(dead.get(2))).contains("no 'label' header");
        assertThat(reason(dead.get(3))).contains("the record has no value");
        assertThat(reason(dead.get(4))).contains("the record has no value");
        assertThat(reason(dead.get(5))).contains("13000 x 13000").contains("retrain.max-image-pixels");
        assertThat(dead.get(1).value()).isEqualTo("not an image".getBytes(StandardCharsets.UTF_8));

        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("extractor_images_total{outcome=\"cached\"} 1.0"))
                .body(containsString("extractor_images_total{outcome=\"rejected\"} 6.0"));
        given().get("/q/health/ready").then().statusCode(200).body(containsString("mobilenet_0.25_128"));

        distortedBottlenecksOfStoredImages(bottlenecks.get(0), bottlenecks.get(1));
    }

    /**
     * Two polls are in flight at once, and a poll of images seen before finishes at once: its bottlenecks must still
     * leave after those of the poll before it. A transaction makes 65 records visible together, so the extractor
     * polls 32, 32, then the relabelled photo alone (a cache hit). Each bottleneck goes to the partition of its image
     * (both keyed by image id), so in each partition the bottlenecks are in the order of its images.
     */
    @Test
    @Order(2)
    void bottlenecksLeaveInTheOrderOfTheirImagesAcrossPollsInFlight() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Path seen = SharedData.flowerPhotos("dandelion", 1).get(0);
        byte[] seenBytes = SharedData.read(seen);
        broker.produce(Topics.IMAGES, "order/seen.jpg", seenBytes, Map.of(Topics.LABEL, "dandelion"));
        int before = FIRST_TEST_BOTTLENECKS + 1;
        assertThat(broker.consume(Topics.BOTTLENECKS, before, TIMEOUT))
                .extracting(ConsumerRecord::key)
                .contains("order/seen.jpg");
        Map<Integer, Long> earlier = TopicReader.endOffsets(broker.clients(), Topics.BOTTLENECKS, TIMEOUT);

        List<Path> photos = new ArrayList<>(SharedData.flowerPhotos("tulips", 32));
        photos.addAll(SharedData.flowerPhotos("sunflowers", 32));
        List<String> keys = new ArrayList<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-test");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (Path photo : photos) {
                String key = "order/" + photo.getParent().getFileName() + "/" + photo.getFileName();
                sent.add(producer.send(record(
                        key,
                        SharedData.read(photo),
                        photo.getParent().getFileName().toString())));
                keys.add(key);
            }
            sent.add(producer.send(record("order/seen.jpg", seenBytes, "relabelled")));
            keys.add("order/seen.jpg");
            producer.commitTransaction();
        }
        Map<Integer, List<String>> imagesByPartition = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            imagesByPartition
                    .computeIfAbsent(partition(sent.get(i)), p -> new ArrayList<>())
                    .add(keys.get(i));
        }
        assertThat(imagesByPartition).as("65 images spread over the partitions").hasSizeGreaterThan(1);

        Map<Integer, List<String>> bottlenecksByPartition = new TreeMap<>();
        Map<Integer, String> lastLabel = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> record :
                broker.consume(Topics.BOTTLENECKS, before + keys.size(), TIMEOUT)) {
            if (record.offset() >= earlier.getOrDefault(record.partition(), 0L)) {
                BottleneckComputed bottleneck = BottleneckComputed.decode(record.value());
                bottlenecksByPartition
                        .computeIfAbsent(record.partition(), p -> new ArrayList<>())
                        .add(bottleneck.imageId());
                lastLabel.put(record.partition(), bottleneck.label());
            }
        }
        assertThat(bottlenecksByPartition).isEqualTo(imagesByPartition);
        assertThat(lastLabel.get(partition(sent.get(sent.size() - 1)))).isEqualTo("relabelled");
    }

    private static int partition(Future<RecordMetadata> sent) {
        try {
            return sent.get(30, TimeUnit.SECONDS).partition();
        } catch (Exception e) {
            throw new AssertionError("The image was not written: " + e, e);
        }
    }

    private static ProducerRecord<String, byte[]> record(String key, byte[] image, String label) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.IMAGES, key, image);
        record.headers().add(Topics.LABEL, label.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** The images just extracted are in the image store; distorted copies come back as binary rows. */
    private static void distortedBottlenecksOfStoredImages(BottleneckComputed daisy, BottleneckComputed rose) {
        Map<String, Object> request = Map.of(
                "images",
                List.of(daisy.contentHash(), rose.contentHash(), daisy.contentHash()),
                "flip_left_right",
                true,
                "random_crop",
                10,
                "random_scale",
                10,
                "random_brightness",
                10,
                "seed",
                5,
                "layer",
                "bottleneck");
        float[] first = FeatureRows.decode(
                given().contentType("application/json")
                        .body(request)
                        .post("/distorted-bottlenecks")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray(),
                3,
                1001);
        float[] again = FeatureRows.decode(
                given().contentType("application/json")
                        .body(request)
                        .post("/distorted-bottlenecks")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray(),
                3,
                1001);
        assertThat(again).as("same seed, same draws").containsExactly(first);
        float[] daisyRow = Arrays.copyOfRange(first, 0, 1001);
        assertThat(daisyRow).as("distorted, not the cached bottleneck").isNotEqualTo(daisy.vector());
        assertThat(Arrays.copyOfRange(first, 2002, 3003))
                .as("two draws of one image")
                .isNotEqualTo(daisyRow);
        double distance = 0;
        for (int i = 0; i < 1001; i++) {
            distance += Math.abs(daisyRow[i] - daisy.vector()[i]);
        }
        assertThat(distance).as("a mild distortion stays near the original").isLessThan(1001 * 2.0);

        Map<String, Object> pooled = new java.util.HashMap<>(request);
        pooled.put("layer", "pooled");
        pooled.put("images", List.of(rose.contentHash()));
        FeatureRows.decode(
                given().contentType("application/json")
                        .body(pooled)
                        .post("/distorted-bottlenecks")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray(),
                1,
                256);

        Map<String, Object> unknown = new java.util.HashMap<>(request);
        unknown.put("images", List.of("0".repeat(64)));
        given().contentType("application/json")
                .body(unknown)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(404)
                .body(containsString("not in the extractor's image store"));
        Map<String, Object> bad = new java.util.HashMap<>(request);
        bad.put("random_brightness", 150);
        given().contentType("application/json")
                .body(bad)
                .post("/distorted-bottlenecks")
                .then()
                .statusCode(400)
                .body(containsString("random_brightness"));
    }

    private static String reason(ConsumerRecord<String, byte[]> record) {
        return new String(record.headers().lastHeader(Topics.DLQ_REASON).value(), StandardCharsets.UTF_8);
    }
}
