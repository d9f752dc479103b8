package io.retrainstream.extractor;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.KafkaBrokerResource;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An image whose bottleneck is already on the compacted topic when the extractor starts is not recomputed. */
@QuarkusTest
@TestProfile(CacheFromTopicTest.Prefilled.class)
class CacheFromTopicTest {

    /** A marker no CNN would compute: finding it on the output proves the cached vector was used. */
    private static final float MARKER = 7.25f;

    public static class Prefilled implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrefilledBroker.class));
        }
    }

    public static class PrefilledBroker extends KafkaBrokerResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            float[] vector = new float[1001];
            float[] pooled = new float[256];
            Arrays.fill(vector, MARKER);
            Arrays.fill(pooled, MARKER);
            BottleneckComputed earlier = new BottleneckComputed(
                    "daisy/earlier.jpg",
                    "daisy",
                    "earlier.jpg",
                    architectureId(),
                    sha256(SharedData.read(daisy())),
                    0,
                    0,
                    vector,
                    pooled);
            broker().produce(Topics.BOTTLENECKS, earlier.imageId(), earlier.encode(), Map.of());
            return config;
        }
    }

    @Test
    void reusesBottlenecksPublishedBeforeTheStart() {
        var broker = KafkaBrokerResource.broker();
        broker.produce(
                Topics.IMAGES,
                "daisy/again.jpg",
                SharedData.read(daisy()),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "again.jpg"));
        List<BottleneckComputed> bottlenecks = broker.consume(Topics.BOTTLENECKS, 2, Duration.ofSeconds(60)).stream()
                .map(record -> BottleneckComputed.decode(record.value()))
                .toList();
        assertThat(bottlenecks.get(1).imageId()).isEqualTo("daisy/again.jpg");
        assertThat(bottlenecks.get(1).vector()).containsOnly(MARKER);
        assertThat(bottlenecks.get(1).pooled()).containsOnly(MARKER);
    }

    /** The id the extractor writes and reads back: the name and the graph file's hash, not the bare name. */
    private static String architectureId() {
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        return architecture.id(
                ModelFiles.sha256(ModelFiles.locateGraph(architecture, java.util.Optional.of(SharedData.models()))));
    }

    private static Path daisy() {
        return SharedData.flowerPhotos("daisy", 2).get(1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
