package io.retrainstream.extractor.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** {@code GET /images/{sha256}} serves a photo the extractor stored, and nothing but stored photos. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class ImageBytesTest {

    @Test
    void servesAStoredPhotoByTheHashOfItsBytes() throws Exception {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Path photo = SharedData.flowerPhotos("sunflowers", 1).get(0);
        broker.publishPhoto(photo);
        ConsumerRecord<String, byte[]> record =
                broker.consume(Topics.BOTTLENECKS, 1, Duration.ofSeconds(120)).get(0);
        String hash = BottleneckComputed.decode(record.value()).contentHash();

        byte[] served = given().get("/images/" + hash)
                .then()
                .statusCode(200)
                .contentType("image/jpeg")
                .header("X-Content-Type-Options", "nosniff")
                .extract()
                .asByteArray();
        assertThat(served).isEqualTo(Files.readAllBytes(photo));
    }

    @Test
    void nothingOutsideTheStoreIsReachable() {
        given().get("/images/" + "0".repeat(64)).then().statusCode(404).body(containsString("does not hold"));
        for (String name :
                new String[] {"ABCDEF" + "0".repeat(58), "0".repeat(63), "0".repeat(64) + ".jpg", "pom.xml"}) {
            given().get("/images/" + name).then().statusCode(404).body(containsString("64 lower-case hex digits"));
        }
        // dots and slashes, encoded or not, never reach the resource
        for (String path : new String[] {"..%2F..%2Fpom.xml", "%2E%2E%2Fpom.xml", "..%5C..%5Cpom.xml"}) {
            given().urlEncodingEnabled(false).get("/images/" + path).then().statusCode(404);
        }
        given().urlEncodingEnabled(false).get("/images/../../pom.xml").then().statusCode(404);
    }
}
