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
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * With {@code retrain.views=original,mirror} every bottleneck event also carries the pooled features of the photo's
 * mirror, and the bottleneck cache warmed from the topic reuses only events that carry it.
 */
@QuarkusTest
@TestProfile(MirrorViewTest.Mirrored.class)
class MirrorViewTest {

    /** A marker no CNN would compute: finding it on the output proves the cached vector was used. */
    private static final float MARKER = 7.25f;

    public static class Mirrored implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("retrain.views", "original,mirror");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrefilledBroker.class));
        }
    }

    /** Before the start: a daisy computed without the mirror, a rose with it. */
    public static class PrefilledBroker extends KafkaBrokerResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            produceMarked("daisy/earlier.jpg", daisy(), false);
            produceMarked("roses/earlier.jpg", rose(), true);
            return config;
        }

        private void produceMarked(String id, Path photo, boolean mirror) {
            float[] vector = new float[1001];
            float[] pooled = new float[256];
            Arrays.fill(vector, MARKER);
            Arrays.fill(pooled, MARKER);
            BottleneckComputed earlier = new BottleneckComputed(
                    id,
                    id.substring(0, id.indexOf('/')),
                    "earlier.jpg",
                    architectureId(),
                    sha256(SharedData.read(photo)),
                    0,
                    0,
                    vector,
                    pooled,
                    mirror ? pooled.clone() : null);
            broker().produce(Topics.BOTTLENECKS, earlier.imageId(), earlier.encode(), Map.of());
        }
    }

    @Test
    void everyEventCarriesTheMirrorAndOnlyCachedEventsWithItAreReused() {
        var broker = KafkaBrokerResource.broker();
        Path tulip = SharedData.flowerPhotos("tulips", 1).get(0);
        broker.produce(
                Topics.IMAGES,
                "daisy/again.jpg",
                SharedData.read(daisy()),
                Map.of(Topics.LABEL, "daisy", Topics.FILENAME, "again.jpg"));
        broker.produce(
                Topics.IMAGES,
                "roses/again.jpg",
                SharedData.read(rose()),
                Map.of(Topics.LABEL, "roses", Topics.FILENAME, "again.jpg"));
        broker.produce(
                Topics.IMAGES,
                "tulips/new.jpg",
                SharedData.read(tulip),
                Map.of(Topics.LABEL, "tulips", Topics.FILENAME, "new.jpg"));
        Map<String, BottleneckComputed> out = broker.consume(Topics.BOTTLENECKS, 5, Duration.ofSeconds(60)).stream()
                .map(record -> BottleneckComputed.decode(record.value()))
                .collect(Collectors.toMap(BottleneckComputed::imageId, Function.identity()));

        // the rose's earlier event had the mirror: reused as it was
        assertThat(out.get("roses/again.jpg").pooled()).containsOnly(MARKER);
        assertThat(out.get("roses/again.jpg").mirror()).containsOnly(MARKER);
        // the daisy's had not: computed again, with its mirror
        BottleneckComputed daisy = out.get("daisy/again.jpg");
        assertThat(daisy.pooled()).hasSize(256).doesNotContain(MARKER);
        assertThat(daisy.mirror()).hasSize(256).isNotEqualTo(daisy.pooled());
        BottleneckComputed fresh = out.get("tulips/new.jpg");
        assertThat(fresh.mirror()).hasSize(256).isNotEqualTo(fresh.pooled());
        assertThat(fresh.vector()).hasSize(1001);
    }

    private static String architectureId() {
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        return architecture.id(
                ModelFiles.sha256(ModelFiles.locateGraph(architecture, java.util.Optional.of(SharedData.models()))));
    }

    private static Path daisy() {
        return SharedData.flowerPhotos("daisy", 3).get(2);
    }

    private static Path rose() {
        return SharedData.flowerPhotos("roses", 2).get(1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
