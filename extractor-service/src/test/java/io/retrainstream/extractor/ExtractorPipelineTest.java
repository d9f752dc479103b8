package io.retrainstream.extractor;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.testing.KafkaBroker;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;

/** The extractor's consume/produce path against a real KRaft broker and the real MobileNet graph. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class ExtractorPipelineTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void imagesBecomeBottlenecksAndBadRecordsGoToTheDeadLetterTopic() {
        KafkaBroker broker = KafkaBrokerResource.broker();
        Path daisy = SharedData.flowerPhotos("daisy", 1).get(0);
        Path rose = SharedData.flowerPhotos("roses", 1).get(0);
        byte[] daisyBytes = SharedData.read(daisy);
        broker.produce(Topics.IMAGES, "daisy/" + daisy.getFileName(), daisyBytes,
                Map.of(Topics.LABEL, "Daisy", Topics.FILENAME, daisy.getFileName().toString()));
        broker.produce(Topics.IMAGES, "roses/" + rose.getFileName(), SharedData.read(rose),
                Map.of(Topics.LABEL, "roses", Topics.FILENAME, rose.getFileName().toString()));
        broker.produce(Topics.IMAGES, "broken/truncated.jpg", Arrays.copyOf(daisyBytes, 300),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "truncated.jpg"));
        broker.produce(Topics.IMAGES, "broken/text.jpg", "not an image".getBytes(StandardCharsets.UTF_8),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "text.jpg"));
        broker.produce(Topics.IMAGES, "broken/unlabelled.jpg", daisyBytes, Map.of(Topics.FILENAME, "x.jpg"));
        // The same photo again under another id: served from the content cache, not recomputed.
        broker.produce(Topics.IMAGES, "daisy/copy.jpg", daisyBytes,
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "copy.jpg"));

        List<BottleneckComputed> bottlenecks = broker.consume(Topics.BOTTLENECKS, 3, TIMEOUT).stream()
                .map(record -> BottleneckComputed.decode(record.value())).toList();
        assertThat(bottlenecks).extracting(BottleneckComputed::imageId)
                .containsExactly("daisy/" + daisy.getFileName(), "roses/" + rose.getFileName(), "daisy/copy.jpg");
        assertThat(bottlenecks).extracting(BottleneckComputed::label).containsExactly("daisy", "roses", "daisy");
        assertThat(bottlenecks).allSatisfy(b -> {
            assertThat(b.vector()).hasSize(1001);
            assertThat(b.pooled()).hasSize(256);
            assertThat(b.architecture()).isEqualTo("mobilenet_0.25_128@sha256:76fec915bb13");
            assertThat(b.contentHash()).hasSize(64);
        });
        assertThat(bottlenecks.get(2).vector()).containsExactly(bottlenecks.get(0).vector());
        assertThat(bottlenecks.get(0).vector()).isNotEqualTo(bottlenecks.get(1).vector());

        List<ConsumerRecord<String, byte[]>> dead = broker.consume(Topics.IMAGES_DLQ, 3, TIMEOUT);
        assertThat(dead).extracting(ConsumerRecord::key)
                .containsExactly("broken/truncated.jpg", "broken/text.jpg", "broken/unlabelled.jpg");
        assertThat(reason(dead.get(0))).contains("cannot decode");
        assertThat(reason(dead.get(1))).contains("not a JPEG, PNG, GIF or BMP");
        assertThat(reason(dead.get(2))).contains("no 'label' header");
        assertThat(dead.get(1).value()).isEqualTo("not an image".getBytes(StandardCharsets.UTF_8));

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("extractor_images_total{outcome=\"cached\"} 1.0"))
                .body(containsString("extractor_images_total{outcome=\"rejected\"} 3.0"));
        given().get("/q/health/ready").then().statusCode(200).body(containsString("mobilenet_0.25_128"));
    }

    private static String reason(ConsumerRecord<String, byte[]> record) {
        return new String(record.headers().lastHeader(Topics.DLQ_REASON).value(), StandardCharsets.UTF_8);
    }
}
