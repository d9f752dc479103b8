package io.retrainstream.classifier.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The extractor (batched) and the classifier (one image: its CNN, then the head) see the same bottleneck for
 * the same image, for every architecture whose graph is in {@code ../shared/models}. The classifier's head here is
 * the identity, so its log-scores are the bottleneck up to a constant (the log of the softmax's sum).
 */
class PreprocessingParityTest {

    @Test
    void extractorAndClassifierAgreeForEverySharedArchitecture() {
        Path models = SharedData.models();
        List<byte[]> images = List.of(
                SharedData.read(SharedData.flowerPhotos("roses", 1).get(0)),
                SharedData.read(SharedData.flowerPhotos("tulips", 1).get(0)));
        List<String> checked = new ArrayList<>();
        for (String name : Architecture.names()) {
            Architecture architecture = Architecture.of(name);
            if (!Files.isRegularFile(models.resolve(architecture.relativeGraphPath()))) {
                continue;
            }
            Path graph = ModelFiles.locateGraph(architecture, Optional.of(models));
            List<float[]> extracted;
            try (FeatureExtractor extractor = new FeatureExtractor(architecture, graph, 2)) {
                extracted = extractor.extract(images).stream()
                        .map(Features::bottleneck)
                        .toList();
            }
            ServingModel serving = new ServingModel(identityModel(architecture), graph, 1);
            try {
                for (int i = 0; i < images.size(); i++) {
                    float[] scores = serving.classify(images.get(i));
                    float[] logScores = new float[scores.length];
                    for (int k = 0; k < scores.length; k++) {
                        logScores[k] = (float) Math.log(scores[k]);
                    }
                    assertThat(centred(logScores))
                            .as("%s image %d", name, i)
                            .containsExactly(centred(extracted.get(i)), Offset.offset(2e-3f));
                }
            } finally {
                serving.release();
            }
            checked.add(name);
        }
        assertThat(checked).contains(Architecture.DEFAULT);
    }

    private static ModelPublished identityModel(Architecture architecture) {
        int size = architecture.bottleneckSize();
        float[] weights = new float[size * size];
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            weights[i * size + i] = 1f;
            labels.add("class " + i);
        }
        ModelMetrics metrics = new ModelMetrics(1, 10, 0.01, 30, 1, 1, 10, 1, 10, 5, "test");
        return new ModelPublished(
                1,
                architecture.name(),
                null,
                labels,
                size,
                weights,
                new float[size],
                metrics,
                System.currentTimeMillis());
    }

    private static float[] centred(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (values[i] - mean);
        }
        return out;
    }
}
