package io.retrainstream.classifier.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.quarkus.runtime.configuration.DurationConverter;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.FeatureCache;
import io.retrainstream.classifier.model.ModelVersions;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.testing.HostileImages;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A model with the views [original, mirror] is served as the mean of its head's softmax over the photo and its mirror,
 * on a CNN built with the mirror copy; a model with [original] runs on a CNN without it, and shares a mirrored one
 * without using its copy; the real MobileNet and flower photos.
 */
class MirroredServingTest {

    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<String> LABELS = List.of("daisy", "roses", "tulips");
    private static final List<View> MIRRORED = List.of(View.ORIGINAL, View.MIRROR);

    private static Architecture architecture;
    private static Path graph;
    private static String id;
    private static FeatureExtractor plain;

    private FeatureCache cache;
    private ModelLoader loader;

    @BeforeAll
    static void loadExtractor() {
        architecture = Architecture.of(ARCHITECTURE);
        graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        id = architecture.id(ModelFiles.sha256(graph));
        plain = new FeatureExtractor(architecture, graph, 1);
    }

    @AfterAll
    static void closeExtractor() {
        plain.close();
    }

    @BeforeEach
    void newCache() {
        cache = new FeatureCache();
        loader = new ModelLoader(config(), cache);
    }

    @AfterEach
    void closeCache() {
        cache.close();
    }

    /**
     * Checked independently of the mirror copy: a square PNG of the CNN's input size and the same PNG flipped left to
     * right (for which resize-then-mirror equals mirror-then-resize), each through a CNN without the mirror.
     */
    @Test
    void aMirroredModelAnswersTheMeanOfItsSoftmaxOverThePhotoAndItsMirror() throws IOException {
        ModelPublished model = model(1, MIRRORED);
        Head head = model.head();
        ServingModel served = loader.load(model);
        try {
            assertThat(served.views()).isEqualTo(MIRRORED);
            assertThat(cached().mirrors()).isTrue();
            float largestGap = 0;
            for (String label : LABELS) {
                BufferedImage square =
                        square(SharedData.read(SharedData.flowerPhotos(label, 1).get(0)));
                byte[] photo = HostileImages.encode(square, "png");
                byte[] mirror = HostileImages.encode(flipped(square), "png");
                float[] alone = head.softmax(plain.extract(photo).pooled());
                float[] mirrored = head.softmax(plain.extract(mirror).pooled());
                float[] answer = served.classify(photo);
                for (int c = 0; c < LABELS.size(); c++) {
                    assertThat(answer[c]).isCloseTo((alone[c] + mirrored[c]) / 2, offset(1e-4f));
                    largestGap = Math.max(largestGap, Math.abs(answer[c] - alone[c]));
                }
            }
            assertThat(largestGap)
                    .as("the mirror moves the answers, so the test tells the mean from the photo alone")
                    .isGreaterThan(1e-2f);

            // a batch of real JPEGs (any size): the mean over each photo's features and its mirror's, in order
            List<byte[]> photos = SharedData.flowerPhotos("roses", 3).stream()
                    .map(SharedData::read)
                    .toList();
            List<float[]> answers = served.classify(photos);
            try (FeatureExtractor withMirror = new FeatureExtractor(
                    architecture,
                    graph,
                    1,
                    io.retrainstream.common.tf.ParallelRuns.ONE,
                    new io.retrainstream.common.tf.DecodeBudget(
                            io.retrainstream.common.tf.ImageLimits.DEFAULT, architecture.inputSize()),
                    true)) {
                for (int i = 0; i < photos.size(); i++) {
                    assertThat(answers.get(i))
                            .containsExactly(head.softmax(withMirror.extract(photos.get(i))), offset(1e-4f));
                }
            }
        } finally {
            served.retire();
        }
    }

    @Test
    void aPlainModelRunsWithoutTheMirrorAndSharesAMirroredCnnWithoutUsingIt() {
        byte[] daisy = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
        ModelPublished first = model(1, View.ORIGINAL_ONLY);
        ServingModel plainModel = loader.load(first);
        ServingModel mirrored = null;
        ServingModel after = null;
        try {
            assertThat(cached().mirrors())
                    .as("the cheap path builds no mirror copy")
                    .isFalse();
            assertThat(plainModel.views()).isEqualTo(View.ORIGINAL_ONLY);
            float[] alone = first.head().softmax(plain.extract(daisy).pooled());
            assertThat(plainModel.classify(daisy)).containsExactly(alone, offset(1e-4f));

            // a mirrored version needs the copy: a CNN with it replaces the cached one
            mirrored = loader.load(model(2, MIRRORED));
            assertThat(cached().mirrors()).isTrue();
            // the plain version keeps its own CNN until it is let go of, and still answers on the photo alone
            assertThat(plainModel.classify(daisy)).containsExactly(alone, offset(1e-4f));

            // a plain version after it shares the mirrored CNN (nothing built) and answers on the photo alone
            ModelPublished third = model(3, View.ORIGINAL_ONLY);
            after = loader.load(third);
            assertThat(after.views()).isEqualTo(View.ORIGINAL_ONLY);
            assertThat(after.classify(daisy))
                    .containsExactly(third.head().softmax(plain.extract(daisy).pooled()), offset(1e-4f));
        } finally {
            plainModel.retire();
            if (mirrored != null) {
                mirrored.retire();
            }
            if (after != null) {
                after.retire();
            }
        }
    }

    /**
     * A plain version kept for requests after a mirrored one is served would hold the plain CNN open beside the
     * mirrored one: it is unloaded (a request naming it loads it again, onto the mirrored CNN).
     */
    @Test
    void keptVersionsOnTheReplacedPlainCnnAreUnloaded() {
        ModelVersions versions = new ModelVersions(
                new io.retrainstream.classifier.model.ModelHolder(),
                1 << 20,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        try {
            ServingModel first = loader.load(model(1, View.ORIGINAL_ONLY));
            assertThat(first.mirrors()).isFalse();
            versions.adopt(first);
            ServingModel mirrored = loader.load(model(2, MIRRORED));
            try {
                assertThat(mirrored.mirrors()).isTrue();
                // on the plain CNN, the mirrored version keeps the plain one
                versions.retainCnnOf(first);
                assertThat(versions.kept()).containsExactly(1L);
                versions.retainCnnOf(mirrored);
                assertThat(versions.kept()).isEmpty();

                // loaded again, version 1 shares the mirrored CNN and stays
                ServingModel again = loader.load(model(1, View.ORIGINAL_ONLY));
                assertThat(again.mirrors()).isTrue();
                versions.adopt(again);
                versions.retainCnnOf(mirrored);
                assertThat(versions.kept()).containsExactly(1L);
            } finally {
                mirrored.retire();
            }
        } finally {
            versions.take(1L).ifPresent(ServingModel::retire);
        }
    }

    @Test
    void theMirrorOnAnotherLayerThanPooledIsRefusedWithTheReason() {
        int size = architecture.bottleneckSize();
        ModelPublished onBottleneck = new ModelPublished(
                4,
                id,
                FeatureLayer.BOTTLENECK.id(),
                LABELS,
                size,
                new float[size * LABELS.size()],
                new float[LABELS.size()],
                null,
                System.currentTimeMillis(),
                View.ids(MIRRORED));
        assertThatThrownBy(() -> loader.load(onBottleneck))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only a head on the pooled layer has views");
    }

    @Test
    void theMirroredPreloadServesTheFirstMirroredModelWithoutBuildingACnn() {
        assertThat(loader.preload(ARCHITECTURE, MIRRORED)).isTrue();
        assertThat(cached().mirrors()).isTrue();
        ImageFeatures leased = cache.lease(id + " " + graph, true, mustNotBuild());
        leased.close();
        ServingModel served = loader.load(model(1, MIRRORED));
        try {
            assertThat(served.views()).isEqualTo(MIRRORED);
            assertThat(served.classify(
                            SharedData.read(SharedData.flowerPhotos("tulips", 1).get(0))))
                    .hasSize(LABELS.size());
        } finally {
            served.retire();
        }
    }

    /** The CNN the cache holds for this graph, leased without building one. */
    private ImageFeatures cached() {
        ImageFeatures leased = cache.lease(id + " " + graph, mustNotBuild());
        leased.close();
        return leased;
    }

    private static Supplier<ImageFeatures> mustNotBuild() {
        return () -> {
            throw new AssertionError("a CNN was built although the cached one fits");
        };
    }

    private static ModelPublished model(long version, List<View> views) {
        int size = architecture.pooledSize();
        Random random = new Random(version);
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.3f;
        }
        return new ModelPublished(
                version,
                id,
                FeatureLayer.POOLED.id(),
                LABELS,
                size,
                weights,
                new float[] {0.1f, -0.2f, 0.05f},
                null,
                System.currentTimeMillis(),
                View.ids(views));
    }

    /** The photo scaled to the CNN's square input size, so that the CNN's own resize leaves it as it is. */
    private static BufferedImage square(byte[] jpeg) throws IOException {
        BufferedImage photo = ImageIO.read(new ByteArrayInputStream(jpeg));
        int side = architecture.inputSize();
        BufferedImage square = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        var graphics = square.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.drawImage(photo, 0, 0, side, side, null);
        graphics.dispose();
        return square;
    }

    private static BufferedImage flipped(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                out.setRGB(image.getWidth() - 1 - x, y, image.getRGB(x, y));
            }
        }
        return out;
    }

    private static ClassifierConfig config() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ClassifierConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValue("retrain.model-dir", SharedData.models().toString())
                .withDefaultValue("retrain.model-cache", "target/model-cache")
                .withDefaultValue("retrain.download", "false")
                .withDefaultValue("retrain.classifier.parallel-runs", "1")
                .withDefaultValue("retrain.classifier.max-batch", "4")
                .build();
        return config.getConfigMapping(ClassifierConfig.class);
    }
}
