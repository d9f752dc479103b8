package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.trainer.benchmark.TrainingBenchmark;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.TrainingDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store keeps vectors in 8 bits: on flowers-small's real pooled features (mobilenet_0.50_224_quantized) the
 * improved mode's head trained on what the store gives back scores as the one trained on the extractor's floats.
 */
class QuantisedAccuracyTest {

    private static final String ARCHITECTURE = "mobilenet_0.50_224_quantized";
    private static final int BATCH = 32;

    @TempDir
    Path folder;

    @Test
    void aHeadTrainedOnTheStoredVectorsTestsWithinOneImageOfOneTrainedOnTheOriginals() throws IOException {
        TrainingDevices.probe();
        List<LabelledBottleneck> original = extract();
        BottleneckStore store = new BottleneckStore(SplitRule.DEFAULT, EnumSet.of(FeatureLayer.POOLED), folder);
        for (LabelledBottleneck image : original) {
            store.add(new BottleneckComputed(
                    image.imageId(),
                    image.label(),
                    image.fileName(),
                    ARCHITECTURE,
                    image.contentHash(),
                    0,
                    0,
                    image.vector(),
                    image.pooled()));
        }
        List<LabelledBottleneck> stored = store.snapshot().images();
        assertThat(stored).hasSameSizeAs(original);
        List<String> labels = store.snapshot().labels();
        TrainingParams params = TrainingParams.retrainPy(1).withOverrides(Map.of("mode", "improved"));
        TrainedHead fromOriginal = new HeadTrainer(params, line -> {})
                .train(TrainingData.of(labels, original, SplitRule.DEFAULT, FeatureLayer.POOLED));
        TrainedHead fromStored = new HeadTrainer(params, line -> {})
                .train(TrainingData.of(labels, stored, SplitRule.DEFAULT, FeatureLayer.POOLED));
        System.out.printf(
                "flowers-small, improved mode, seed 1: test accuracy %.1f%% on float32 features, %.1f%% on the "
                        + "store's 8-bit ones (N=%d); validation %.1f%% / %.1f%%%n",
                fromOriginal.testAccuracy() * 100,
                fromStored.testAccuracy() * 100,
                fromStored.testCount(),
                fromOriginal.validationAccuracy() * 100,
                fromStored.validationAccuracy() * 100);
        assertThat(fromStored.testCount()).isEqualTo(fromOriginal.testCount());
        double oneImage = 1.0 / fromOriginal.testCount();
        assertThat(Math.abs(fromStored.testAccuracy() - fromOriginal.testAccuracy()))
                .isLessThanOrEqualTo(oneImage + 1e-9);
    }

    private static List<LabelledBottleneck> extract() throws IOException {
        List<Path> photos;
        try (Stream<Path> files = Files.walk(SharedData.flowers())) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        Architecture architecture = Architecture.of(ARCHITECTURE);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        List<LabelledBottleneck> images = new ArrayList<>();
        try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, BATCH)) {
            for (int from = 0; from < photos.size(); from += BATCH) {
                List<Path> batch = photos.subList(from, Math.min(photos.size(), from + BATCH));
                List<Features> features =
                        extractor.extract(batch.stream().map(SharedData::read).toList());
                for (int i = 0; i < batch.size(); i++) {
                    images.add(TrainingBenchmark.flowerPhoto(batch.get(i), features.get(i)));
                }
            }
        }
        return images;
    }
}
