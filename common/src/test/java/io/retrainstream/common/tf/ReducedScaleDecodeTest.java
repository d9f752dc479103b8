package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TUint8;

/** The one decode of every path: large JPEGs at reduced scale, chosen in the graph from the header. */
class ReducedScaleDecodeTest {

    private static final Architecture ARCHITECTURE = Architecture.of("mobilenet_0.25_128");
    private static final byte[] PHOTO =
            SharedData.read(SharedData.flowerPhotos("roses", 1).get(0));

    private static Path graphFile() {
        return ModelFiles.locateGraph(ARCHITECTURE, Optional.of(SharedData.models()));
    }

    /** The decoded image's shape [h, w, 3] as the graph computes it for {@code image}. */
    private static long[] decodedShape(byte[] image) {
        try (Graph graph = new Graph()) {
            FeatureGraph.build(graph, ARCHITECTURE, graphFile(), 1);
            try (Session session = new Session(graph);
                    ImageFeed feed = new ImageFeed(List.of(image), 1);
                    Result result = feed.feed(session.runner())
                            .fetch("preprocess_0/decode/Merge")
                            .run()) {
                return ((TUint8) result.get(0)).shape().asArray();
            }
        }
    }

    @Test
    void largeJpegsDecodeAtTheScaleTheHeaderRuleGives() {
        for (int[] size : new int[][] {{4000, 3000}, {1200, 900}, {600, 300}, {320, 240}}) {
            byte[] jpeg = HostileImages.largePhoto(PHOTO, size[0], size[1]);
            ImageHeader header = ImageHeader.read(jpeg);
            int ratio = header.decodeRatio(ARCHITECTURE.inputSize());
            long[] shape = decodedShape(jpeg);
            assertThat(shape)
                    .as("%dx%d at 1/%d", size[0], size[1], ratio)
                    .containsExactly((size[1] + ratio - 1) / ratio, (size[0] + ratio - 1) / ratio, 3);
            assertThat(Math.min(shape[0], shape[1])).isGreaterThanOrEqualTo(ARCHITECTURE.inputSize());
        }
        assertThat(ImageHeader.read(HostileImages.largePhoto(PHOTO, 4000, 3000)).decodeRatio(128))
                .isEqualTo(8);
        byte[] png = HostileImages.encode(new java.awt.image.BufferedImage(1000, 700, 1), "png");
        assertThat(decodedShape(png)).containsExactly(700, 1000, 3);
    }

    @Test
    void aReducedScaleDecodeGivesNearlyTheFeaturesOfTheSamePhotoAtItsOwnSize() {
        byte[] large = HostileImages.largePhoto(PHOTO, 2400, 1800);
        byte[] small = HostileImages.largePhoto(PHOTO, 300, 225);
        try (FeatureExtractor extractor = new FeatureExtractor(ARCHITECTURE, graphFile(), 1)) {
            float[] a = extractor.extract(large).pooled();
            float[] b = extractor.extract(small).pooled();
            assertThat(cosine(a, b)).isGreaterThan(0.95);
        }
    }

    @Test
    void aThrowableInARunFailsOnlyItsCallAndTheRunnersGoOn() throws Exception {
        try (FeatureExtractor extractor = new FeatureExtractor(ARCHITECTURE, graphFile(), 4, new ParallelRuns(2))) {
            for (int round = 0; round < 3; round++) {
                var failed = extractor.inRuns(List.of(PHOTO, PHOTO), run -> {
                    throw new OutOfMemoryError("Physical memory usage is too high: physicalBytes > maxPhysicalBytes");
                });
                assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(ImageRunException.class)
                        .hasMessageContaining("TensorFlow ran out of memory on this image");
            }
            assertThat(extractor.broken()).isEmpty();
            assertThat(extractor.extractAsync(List.of(PHOTO, PHOTO, PHOTO)).get(30, TimeUnit.SECONDS))
                    .hasSize(3);
        }
        try (FeatureExtractor oneRun = new FeatureExtractor(ARCHITECTURE, graphFile(), 4)) {
            var failed = oneRun.inRuns(List.of(PHOTO), run -> {
                throw new StackOverflowError();
            });
            assertThatThrownBy(failed::join)
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(ImageRunException.class);
        }
    }

    @Test
    void imagesOverTheBudgetFailTheirCallBeforeAnyDecode() {
        try (FeatureExtractor extractor =
                new FeatureExtractor(ARCHITECTURE, graphFile(), 4, new ParallelRuns(2), new ImageLimits(20_000_000))) {
            assertThatThrownBy(() -> extractor.extract(HostileImages.jpegBomb(6000, 6000)))
                    .isInstanceOf(ImageTooLargeException.class)
                    .hasMessageContaining("6000 x 6000");
            assertThat(extractor.extract(HostileImages.jpegBomb(4000, 4000)).pooled())
                    .hasSize(256);
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
