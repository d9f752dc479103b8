package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.retrainstream.common.DataSet;

class HeadTrainerTest {

    /** Three well separated Gaussian blobs in 32 dimensions, split 70/15/15. */
    static List<LabelledBottleneck> blobs(int perClass, long seed) {
        Random random = new Random(seed);
        String[] labels = {"alpha", "beta", "gamma"};
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int c = 0; c < labels.length; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] vector = new float[32];
                for (int d = 0; d < vector.length; d++) {
                    vector[d] = (float) random.nextGaussian() * 0.5f;
                }
                vector[c * 5] += 3f;
                DataSet set = i % 20 < 14 ? DataSet.TRAINING : i % 20 < 17 ? DataSet.VALIDATION : DataSet.TESTING;
                images.add(new LabelledBottleneck(labels[c] + "/" + i, labels[c], i + ".jpg", "h" + c + i, set,
                        vector, new float[0], 0L));
            }
        }
        return images;
    }

    @Test
    void convergesOnSeparableDataAndLogsLikeRetrainPy() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(100, 1));
        List<String> lines = new ArrayList<>();
        TrainedHead head = new HeadTrainer(new TrainingParams(500, 0.1, 100, 100, 10, 42), lines::add).train(data);

        assertThat(head.testAccuracy()).isGreaterThan(0.95);
        assertThat(head.testCount()).isEqualTo(data.testing().count());
        assertThat(head.validationAccuracy()).isGreaterThan(0.9);
        assertThat(head.weights()).hasSize(32 * 3);
        assertThat(head.biases()).hasSize(3);
        assertThat(lines.get(0)).matches("Step 0: Train accuracy = \\d+\\.\\d%, Cross entropy = \\d+\\.\\d+, "
                + "Validation accuracy = \\d+\\.\\d% \\(N=100\\)");
        assertThat(lines).anyMatch(line -> line.startsWith("Step 490: "));
        assertThat(lines).anyMatch(line -> line.startsWith("Step 499: "));
        assertThat(lines.get(lines.size() - 1)).matches("Final test accuracy = \\d+\\.\\d% \\(N=45\\)");
    }

    @Test
    void crossEntropyFallsAsTrainingGoesOn() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(60, 2));
        List<String> lines = new ArrayList<>();
        new HeadTrainer(new TrainingParams(300, 0.01, 50, 50, 100, 3), lines::add).train(data);
        double first = crossEntropy(lines.get(0));
        double last = crossEntropy(lines.get(lines.size() - 2));
        assertThat(first).isCloseTo(Math.log(3), org.assertj.core.data.Offset.offset(0.05));
        assertThat(last).isLessThan(first);
    }

    @Test
    void sameSeedSameModel() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(30, 3));
        TrainingParams params = new TrainingParams(50, 0.01, 20, 20, 10, 11);
        TrainedHead a = new HeadTrainer(params, line -> { }).train(data);
        TrainedHead b = new HeadTrainer(params, line -> { }).train(data);
        assertThat(a.weights()).containsExactly(b.weights());
    }

    @Test
    void refusesFewerThanTwoClasses() {
        List<LabelledBottleneck> onlyAlpha = blobs(10, 4).stream().filter(i -> i.label().equals("alpha")).toList();
        TrainingData data = TrainingData.of(List.of("alpha"), onlyAlpha);
        assertThatThrownBy(() -> new HeadTrainer(new TrainingParams(10, 0.01, 10, 10, 10, 1), l -> { }).train(data))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 classes");
    }

    @Test
    void refusesInvalidParameters() {
        assertThatThrownBy(() -> new TrainingParams(-1, 0.01, 100, 100, 10, 1))
                .hasMessageContaining("how_many_training_steps");
        assertThatThrownBy(() -> new TrainingParams(10, 0, 100, 100, 10, 1)).hasMessageContaining("learning_rate");
    }

    @Test
    void samplerDrawsClassesEvenly() {
        int[] classes = new int[100];
        classes[0] = 1; // class 1 has one image, class 0 has 99
        HeadTrainer.BalancedSampler sampler = new HeadTrainer.BalancedSampler(classes, 2, new Random(5));
        int[] sample = sampler.sample(10_000);
        long ones = java.util.Arrays.stream(sample).filter(row -> row == 0).count();
        assertThat(ones).isBetween(4_500L, 5_500L);
    }

    private static double crossEntropy(String line) {
        String value = line.replaceAll(".*Cross entropy = ([0-9.]+),.*", "$1");
        return Double.parseDouble(value);
    }
}
