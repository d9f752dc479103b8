package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.MirroredFlowers;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heads trained on both views of flowers-small's real photos (mobilenet_0.50_224_quantized through the real extractor
 * with the mirror on): twice the training rows, and a test accuracy that is what the classifier's
 * {@code Head.softmax(Features)} answers on the test photos, full-batch, in mini-batches and warm-started.
 */
class MirrorViewTrainingTest {

    private static final List<View> BOTH = List.of(View.ORIGINAL, View.MIRROR);

    private static List<LabelledBottleneck> images;
    private static List<String> labels;

    @BeforeAll
    static void extract() {
        TrainingDevices.probe();
        images = MirroredFlowers.images();
        labels = images.stream()
                .map(LabelledBottleneck::label)
                .distinct()
                .sorted()
                .toList();
    }

    private static TrainingParams improved() {
        return TrainingParams.retrainPy(3).withOverrides(Map.of("mode", "improved"));
    }

    /** The top-1 accuracy of {@code head} with {@code views} on the test photos, as the classifier answers. */
    private static double classifierAccuracy(TrainedHead head, List<View> views, List<LabelledBottleneck> photos) {
        Head served = new Head(labels, FeatureLayer.POOLED, head.weights(), head.biases(), views);
        List<LabelledBottleneck> test = photos.stream()
                .filter(image -> image.dataSet() == io.retrainstream.common.DataSet.TESTING)
                .toList();
        long right = test.stream()
                .filter(image -> labels.get(Head.argMax(served.softmax(image.features())))
                        .equals(image.label()))
                .count();
        return (double) right / test.size();
    }

    @Test
    void bothViewsTrainOnTwiceTheRowsAndTestAsTheClassifierAnswers() {
        TrainingData original = TrainingData.of(labels, images, null, FeatureLayer.POOLED);
        TrainingData both = TrainingData.of(labels, images, null, FeatureLayer.POOLED, BOTH);
        assertThat(both.training().count()).isEqualTo(2 * original.training().count());
        assertThat(both.validation().count())
                .isEqualTo(2 * original.validation().count());
        assertThat(both.testing().photos()).isEqualTo(original.testing().count());

        TrainedHead mirrored = new HeadTrainer(improved(), line -> {}).train(both);
        TrainedHead plain = new HeadTrainer(improved(), line -> {}).train(original);
        double served = classifierAccuracy(mirrored, BOTH, images);
        System.out.printf(
                "flowers-small, improved, seed 3: test accuracy %.1f%% with views [original, mirror] (the "
                        + "classifier's mean: %.1f%%), %.1f%% on the photo alone (N=%d)%n",
                mirrored.testAccuracy() * 100, served * 100, plain.testAccuracy() * 100, mirrored.testCount());
        assertThat(mirrored.testCount()).isEqualTo(original.testing().count());
        assertThat(mirrored.testAccuracy()).isEqualTo(served);
        assertThat(plain.testAccuracy()).isEqualTo(classifierAccuracy(plain, View.ORIGINAL_ONLY, images));
        // the mean over the views is what is scored: on the photo alone the same head answers otherwise
        float[][] scores = mirrored.testScores();
        Head head = new Head(labels, FeatureLayer.POOLED, mirrored.weights(), mirrored.biases(), BOTH);
        List<LabelledBottleneck> test = MirroredFlowers.testImages();
        for (int i = 0; i < test.size(); i++) {
            float[] expected = head.softmax(test.get(i).features());
            for (int c = 0; c < expected.length; c++) {
                assertThat(scores[i][c]).isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void miniBatchesAndWarmStartsTrainOnTheMirrorRowsToo() {
        TrainingData both = TrainingData.of(labels, images, null, FeatureLayer.POOLED, BOTH);
        // ~1,200 training rows: mini-batches from 500, the L2 search on 400 of them (photos with their mirrors)
        MiniBatches small = new MiniBatches(500, 4, 400, 0.2);
        List<String> lines = new ArrayList<>();
        TrainedHead cold =
                new HeadTrainer(improved(), lines::add).withMiniBatches(small).train(both);
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("L2 search on"));
        assertThat(cold.testAccuracy()).isEqualTo(classifierAccuracy(cold, BOTH, images));
        assertThat(cold.testAccuracy()).isGreaterThan(0.7);

        TrainedHead warm = new HeadTrainer(improved().withOverrides(Map.of("how_many_training_steps", 100)), line -> {})
                .withMiniBatches(small)
                .train(both, cold.warmStart(labels));
        assertThat(warm.testAccuracy()).isEqualTo(classifierAccuracy(warm, BOTH, images));
    }

    @Test
    void photosWithoutAMirrorTrainAndTestOnThemselves() {
        // every other photo as an event from before views: no mirror
        List<LabelledBottleneck> mixed = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            LabelledBottleneck image = images.get(i);
            mixed.add(
                    i % 2 == 0
                            ? image
                            : new LabelledBottleneck(
                                    image.imageId(),
                                    image.label(),
                                    image.fileName(),
                                    image.contentHash(),
                                    image.dataSet(),
                                    image.vector(),
                                    image.pooled(),
                                    image.imageTime()));
        }
        TrainingData data = TrainingData.of(labels, mixed, null, FeatureLayer.POOLED, BOTH);
        long mirrored = mixed.stream()
                .filter(image ->
                        image.dataSet() == io.retrainstream.common.DataSet.TRAINING && image.mirror().length > 0)
                .count();
        assertThat(data.training().mirrorRows()).isEqualTo(mirrored);
        assertThat(data.training().count()).isEqualTo(data.training().photos() + mirrored);
        TrainedHead head = new HeadTrainer(improved(), line -> {}).train(data);
        assertThat(head.testAccuracy()).isEqualTo(classifierAccuracy(head, BOTH, mixed));
    }
}
