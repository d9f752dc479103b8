package io.retrainstream.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /images}, the console's "add photos to a class", against a real broker: photos become image events that
 * the extractor's CNN decodes, bad input is a 4xx naming what is wrong with nothing published, and the admin token is
 * needed.
 */
@QuarkusTest
@TestProfile(ImageUploadTest.Limited.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class ImageUploadTest {

    static final String TOKEN = "image-upload-test-token-91c4";
    /** Fewer pixels than the test's large PNG, more than any flowers-small photo. */
    static final long MAX_PIXELS = 1_000_000;

    public static class Limited implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "retrain.admin-token", TOKEN,
                    "retrain.console.max-image-pixels", Long.toString(MAX_PIXELS),
                    "retrain.console.max-upload-images", "5",
                    "retrain.console.classifier-url", "http://classifier.test:8080/",
                    "quarkus.http.limits.max-body-size", "2M",
                    // nothing listens there: the photo proxy's failure is tested, its bytes by ConsoleBrowserIT
                    "trainer.extractor-url", "http://127.0.0.1:1");
        }
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + TOKEN);
    }

    @Test
    void photosBecomeImageEventsThatTheExtractorDecodes() throws Exception {
        List<Path> photos = SharedData.flowerPhotos("roses", 3);
        long before = imagesOnTopic();
        RequestSpecification request = admin().queryParam("label", "Wild Roses");
        for (Path photo : photos) {
            request = request.multiPart("image", photo.toFile(), "image/jpeg");
        }
        request.post("/images")
                .then()
                .statusCode(202)
                .body("label", equalTo("Wild Roses"))
                .body("className", equalTo("wild roses"))
                .body("published", equalTo(3))
                .body("imageIds[0]", equalTo("Wild Roses/" + photos.get(0).getFileName()));

        assertThat(imagesOnTopic()).isEqualTo(before + 3);
        List<ConsumerRecord<String, byte[]>> records =
                KafkaBrokerResource.broker().consume(Topics.IMAGES, (int) before + 3, Duration.ofSeconds(30));
        List<ConsumerRecord<String, byte[]>> ours =
                records.stream().filter(r -> r.key().startsWith("Wild Roses/")).toList();
        assertThat(ours).hasSize(3);
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        try (FeatureExtractor extractor = new FeatureExtractor(
                architecture, ModelFiles.locateGraph(architecture, Optional.of(SharedData.models())), 4)) {
            for (ConsumerRecord<String, byte[]> record : ours) {
                String fileName = header(record, Topics.FILENAME);
                assertThat(record.key()).isEqualTo("Wild Roses/" + fileName);
                assertThat(header(record, Topics.LABEL)).isEqualTo("Wild Roses");
                Path original = photos.stream()
                        .filter(p -> p.getFileName().toString().equals(fileName))
                        .findFirst()
                        .orElseThrow();
                assertThat(record.value()).isEqualTo(SharedData.read(original));
                Features features = extractor.extract(record.value());
                assertThat(features.pooled()).hasSize(256).doesNotContain(Float.NaN);
            }
        }
    }

    @Test
    void badInputIsRefusedAndNothingIsPublished() throws Exception {
        Path photo = SharedData.flowerPhotos("daisy", 1).get(0);
        long before = imagesOnTopic();

        Map<String, String> badLabels = Map.of(
                "",
                "A class name is needed",
                "   ",
                "A class name is needed",
                "!!! ---",
                "has no letter or digit",
                "daisy/../etc",
                "has a slash",
                "x".repeat(101),
                "at most 100");
        badLabels.forEach((label, message) -> admin().queryParam("label", label)
                .multiPart("image", photo.toFile(), "image/jpeg")
                .post("/images")
                .then()
                .statusCode(400)
                .body("message", containsString(message)));
        admin().multiPart("image", photo.toFile(), "image/jpeg")
                .post("/images")
                .then()
                .statusCode(400)
                .body("message", containsString("?label=NAME"));

        // one good photo and one that is not an image: neither is published
        admin().queryParam("label", "daisy")
                .multiPart("image", photo.toFile(), "image/jpeg")
                .multiPart("image", "notes.jpg", "these are not pixels".getBytes(StandardCharsets.UTF_8), "image/jpeg")
                .post("/images")
                .then()
                .statusCode(400)
                .body("message", startsWith("Nothing was published: notes.jpg (file 2 of 2) is not an image"));
        admin().queryParam("label", "daisy")
                .multiPart("image", "empty.jpg", new byte[0], "image/jpeg")
                .post("/images")
                .then()
                .statusCode(400)
                .body("message", containsString("empty.jpg (file 1 of 1) is empty"));
        admin().queryParam("label", "daisy")
                .multiPart("image", "huge.png", png(1200, 1000), "image/png")
                .post("/images")
                .then()
                .statusCode(413)
                .body("message", containsString("1.2 megapixels"));
        RequestSpecification six = admin().queryParam("label", "daisy");
        for (int i = 0; i < 6; i++) {
            six = six.multiPart("image", "p" + i + ".jpg", SharedData.read(photo), "image/jpeg");
        }
        six.post("/images").then().statusCode(413).body("message", containsString("at most 5"));
        admin().queryParam("label", "daisy")
                .multiPart("image", "big.jpg", new byte[3 * 1024 * 1024], "image/jpeg")
                .post("/images")
                .then()
                .statusCode(413);
        admin().queryParam("label", "daisy")
                .multiPart("image", "none")
                .post("/images")
                .then()
                .statusCode(400)
                .body("message", containsString("No photo in the request"));
        admin().queryParam("label", "daisy")
                .contentType("image/jpeg")
                .body(SharedData.read(photo))
                .post("/images")
                .then()
                .statusCode(415);

        assertThat(imagesOnTopic()).isEqualTo(before);
    }

    @Test
    void addingPhotosNeedsTheAdminToken() throws Exception {
        Path photo = SharedData.flowerPhotos("tulips", 1).get(0);
        long before = imagesOnTopic();
        for (RequestSpecification caller : List.of(given(), given().header("Authorization", "Bearer wrong-" + TOKEN))) {
            caller.queryParam("label", "tulips")
                    .multiPart("image", photo.toFile(), "image/jpeg")
                    .post("/images")
                    .then()
                    .statusCode(401)
                    .header("WWW-Authenticate", startsWith("Bearer"));
        }
        assertThat(imagesOnTopic()).isEqualTo(before);
    }

    @Test
    void theConsoleIsServedWithTheClassifierItCalls() {
        given().get("/console/config")
                .then()
                .statusCode(200)
                .body("classifierUrl", equalTo("http://classifier.test:8080"));
        given().get("/console/").then().statusCode(200).body(containsString("retrain-stream console"));
        given().get("/console/console.js").then().statusCode(200);
        given().redirects().follow(false).get("/").then().statusCode(200).body(containsString("console/"));
    }

    @Test
    void photosOfTheDatasetAreLookedUpByImageIdOnly() {
        BottleneckComputed known = new BottleneckComputed(
                "daisy/known.jpg",
                "daisy",
                "known.jpg",
                "mobilenet_0.25_128",
                "a".repeat(64),
                System.currentTimeMillis(),
                System.currentTimeMillis(),
                new float[1001],
                new float[256]);
        KafkaBrokerResource.broker().produce(Topics.BOTTLENECKS, known.imageId(), known.encode(), Map.of());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/dataset")
                .then()
                .body("classes.daisy", org.hamcrest.Matchers.notNullValue()));

        given().get("/dataset/image").then().statusCode(400).body("message", containsString("?id=IMAGE_ID"));
        for (String unknown : List.of("daisy/unknown.jpg", "../../etc/passwd", "a".repeat(64))) {
            given().queryParam("id", unknown)
                    .get("/dataset/image")
                    .then()
                    .statusCode(404)
                    .body("message", containsString("the trainer has no bottleneck of it"));
        }
        given().queryParam("id", "daisy/known.jpg")
                .get("/dataset/image")
                .then()
                .statusCode(503)
                .body("message", containsString("Cannot reach the extractor at http://127.0.0.1:1"));
    }

    /** Records on {@code images}: the sum of its partitions' end offsets. */
    private static long imagesOnTopic() throws ExecutionException, InterruptedException {
        KafkaBroker broker = KafkaBrokerResource.broker();
        try (var admin = broker.admin()) {
            return endOffsets(admin);
        }
    }

    private static long endOffsets(org.apache.kafka.clients.admin.Admin admin)
            throws ExecutionException, InterruptedException {
        int partitions = admin.describeTopics(List.of(Topics.IMAGES))
                .allTopicNames()
                .get()
                .get(Topics.IMAGES)
                .partitions()
                .size();
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(Topics.IMAGES, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get().values().stream()
                .mapToLong(info -> info.offset())
                .sum();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static byte[] png(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
