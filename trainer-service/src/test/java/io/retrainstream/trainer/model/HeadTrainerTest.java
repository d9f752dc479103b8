package io.retrainstream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.data.WarmStart;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HeadTrainerTest {

    /** Three well separated Gaussian blobs in 32 dimensions, split 70/15/15. */
    static List<LabelledBottleneck> blobs(int perClass, long seed) {
        return blobs(perClass, seed, 3f);
    }

    static List<LabelledBottleneck> blobs(int perClass, long seed, float separation) {
        return blobs(new String[] {"alpha", "beta", "gamma"}, perClass, seed, separation);
    }

    /** One blob per label (at most 6), class c shifted by {@code separation} along dimension 5c. */
    static List<LabelledBottleneck> blobs(String[] labels, int perClass, long seed, float separation) {
        Random random = new Random(seed);
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int c = 0; c < labels.length; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] vector = new float[32];
                for (int d = 0; d < vector.length; d++) {
                    vector[d] = (float) random.nextGaussian() * 0.5f;
                }
                vector[c * 5] += separation;
                DataSet set = i % 20 < 14 ? DataSet.TRAINING : i % 20 < 17 ? DataSet.VALIDATION : DataSet.TESTING;
                images.add(new LabelledBottleneck(
                        labels[c] + "/" + i, labels[c], i + ".jpg", "h" + c + i, set, vector, new float[0], 0L));
            }
        }
        return images;
    }

    /** retrain.py's method with these settings, testing on the whole test set. */
    static TrainingParams params(
            int steps, double learningRate, int batch, int validationBatch, int interval, long seed) {
        return new TrainingParams(
                steps,
                learningRate,
                10,
                10,
                interval,
                batch,
                -1,
                validationBatch,
                false,
                "final_result",
                "",
                "",
                "",
                "",
                0,
                "",
                TrainingMode.RETRAIN,
                seed,
                Distortions.NONE);
    }

    @Test
    void retrainModeTakesExactlyOneGradientDescentStep() {
        // Two classes, two training images in 3 dimensions; the step's batch is drawn as HeadTrainer draws it.
        List<LabelledBottleneck> images = List.of(
                new LabelledBottleneck(
                        "a/1", "a", "1.jpg", "h1", DataSet.TRAINING, new float[] {1f, 2f, -1f}, new float[0], 0L),
                new LabelledBottleneck(
                        "b/2", "b", "2.jpg", "h2", DataSet.TRAINING, new float[] {-0.5f, 0.5f, 3f}, new float[0], 0L));
        TrainingData data = TrainingData.of(List.of("a", "b"), images);
        float[] w0 = {0.1f, -0.2f, 0.3f, 0.05f, -0.1f, 0.2f}; // [3][2]
        double rate = 0.5;
        TrainingParams params = params(1, rate, 4, 4, 10, 99);
        TrainedHead head = new HeadTrainer(params, line -> {}, TrainingListener.NONE, w0).train(data);

        int[] batch = new BalancedSampler(data.training().classes(), 2, new Random(99)).sample(4);
        double[] gradW = new double[6];
        double[] gradB = new double[2];
        for (int row : batch) {
            float[] x = images.get(row).vector();
            double[] logits = new double[2];
            for (int c = 0; c < 2; c++) {
                for (int d = 0; d < 3; d++) {
                    logits[c] += x[d] * w0[d * 2 + c];
                }
            }
            double max = Math.max(logits[0], logits[1]);
            double sum = Math.exp(logits[0] - max) + Math.exp(logits[1] - max);
            for (int c = 0; c < 2; c++) {
                double delta = (Math.exp(logits[c] - max) / sum - (c == row ? 1 : 0)) / batch.length;
                gradB[c] += delta;
                for (int d = 0; d < 3; d++) {
                    gradW[d * 2 + c] += x[d] * delta;
                }
            }
        }
        for (int i = 0; i < 6; i++) {
            assertThat((double) head.weights()[i]).isCloseTo(w0[i] - rate * gradW[i], offset(1e-6));
        }
        for (int c = 0; c < 2; c++) {
            assertThat((double) head.biases()[c]).isCloseTo(-rate * gradB[c], offset(1e-6));
        }
    }

    @Test
    void unrolledRunsTrainLikeOneStepPerRun() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(30, 6, 1.5f));
        for (TrainingMode mode : TrainingMode.values()) {
            // 57 steps, evaluations every 10, stores every 7, at most 4 steps per run: runs of 1 to 4 steps.
            TrainingParams params = new TrainingParams(
                    57,
                    mode == TrainingMode.RETRAIN ? 0.1 : 0.01,
                    10,
                    10,
                    10,
                    16,
                    -1,
                    12,
                    false,
                    "final_result",
                    "",
                    "",
                    "",
                    "",
                    7,
                    "unused",
                    mode,
                    7,
                    Distortions.NONE);
            Recorder stepwise = new Recorder();
            TrainedHead one = new HeadTrainer(params, line -> {}, stepwise, (float[]) null)
                    .unrolled(1)
                    .train(data);
            Recorder chained = new Recorder();
            TrainedHead four = new HeadTrainer(params, line -> {}, chained, (float[]) null)
                    .unrolled(4)
                    .train(data);

            List<Integer> runs = new StepSchedule(params, 4).runLengths();
            assertThat(runs).contains(1, 2, 3, 4).doesNotContain(5);
            assertThat(runs.stream().mapToInt(Integer::intValue).sum()).isEqualTo(57);
            assertThat(four.chosen()).as(mode.id()).isEqualTo(one.chosen());
            assertClose(four.weights(), one.weights());
            assertClose(four.biases(), one.biases());
            assertThat(stepwise.stored).isNotEmpty();
            assertThat(chained.stored).isEqualTo(stepwise.stored);
            assertThat(chained.evaluations.keySet()).isEqualTo(stepwise.evaluations.keySet());
            List<TrainedHead.Evaluation> chainedEvaluations = chained.allEvaluations();
            List<TrainedHead.Evaluation> stepwiseEvaluations = stepwise.allEvaluations();
            assertThat(chainedEvaluations).hasSameSizeAs(stepwiseEvaluations);
            for (int i = 0; i < stepwiseEvaluations.size(); i++) {
                TrainedHead.Evaluation a = chainedEvaluations.get(i);
                TrainedHead.Evaluation b = stepwiseEvaluations.get(i);
                assertThat(a.step()).isEqualTo(b.step());
                assertThat(a.validationCount()).isEqualTo(b.validationCount());
                assertThat(a.trainAccuracy()).isCloseTo(b.trainAccuracy(), offset(1e-6));
                assertThat(a.crossEntropy()).isCloseTo(b.crossEntropy(), offset(1e-5));
                assertThat(a.validationAccuracy()).isCloseTo(b.validationAccuracy(), offset(1e-6));
                assertThat(a.validationCrossEntropy()).isCloseTo(b.validationCrossEntropy(), offset(1e-5));
            }
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], offset(1e-5f));
        }
    }

    /** What a training told its listener: every evaluation, and the step and weights of every store. */
    /** What the listener heard, per training (the improved mode's strengths train at the same time). */
    private static final class Recorder implements TrainingListener {
        final java.util.SortedMap<String, List<TrainedHead.Evaluation>> evaluations = new java.util.TreeMap<>();
        final java.util.SortedMap<String, List<String>> stored = new java.util.TreeMap<>();

        @Override
        public void evaluated(String run, TrainedHead.Evaluation evaluation) {
            evaluations.computeIfAbsent(run, r -> new ArrayList<>()).add(evaluation);
        }

        @Override
        public void intermediate(String run, int step, float[] weights, float[] biases) {
            stored.computeIfAbsent(run, r -> new ArrayList<>()).add(step + ":" + weights.length + "," + biases.length);
        }

        List<TrainedHead.Evaluation> allEvaluations() {
            return evaluations.values().stream().flatMap(List::stream).toList();
        }
    }

    @Test
    void warmStartKeepsOldClassesAccuracyWhenANewClassArrives() {
        String[] five = {"alpha", "beta", "delta", "epsilon", "gamma"};
        List<LabelledBottleneck> all = blobs(five, 200, 12, 2f);
        List<String> old = List.of("alpha", "beta", "delta", "gamma");
        TrainingData before = TrainingData.of(
                old, all.stream().filter(i -> old.contains(i.label())).toList());
        TrainingData after = TrainingData.of(List.of(five), all);
        for (TrainingMode mode : TrainingMode.values()) {
            TrainingParams cold = new TrainingParams(
                    1000,
                    mode == TrainingMode.RETRAIN ? 0.1 : 0.01,
                    10,
                    10,
                    10,
                    100,
                    -1,
                    -1,
                    false,
                    "final_result",
                    "",
                    "",
                    "",
                    "",
                    0,
                    "",
                    mode,
                    3,
                    Distortions.NONE);
            TrainedHead first = new HeadTrainer(cold, line -> {}).train(before);
            List<String> lines = new ArrayList<>();
            TrainedHead warm = new HeadTrainer(
                            cold.withOverrides(java.util.Map.of("how_many_training_steps", 200)), lines::add)
                    .train(after, first.warmStart(old));

            double oldBefore = first.testAccuracy(before, c -> true);
            double oldAfter = warm.testAccuracy(after, c -> c != 3);
            double newClass = warm.testAccuracy(after, c -> c == 3);
            assertThat(lines.get(0)).isEqualTo("Warm start from 4 classes; new: [epsilon], dropped: []");
            assertThat(oldBefore).as(mode.id()).isGreaterThan(0.85);
            assertThat(oldAfter)
                    .as(mode.id() + ": old classes after the warm start")
                    .isGreaterThan(oldBefore - 0.03);
            assertThat(newClass).as(mode.id() + ": recall of the new class").isGreaterThan(0.8);
            if (mode == TrainingMode.IMPROVED) {
                assertThat(first.l2())
                        .isIn(
                                L2Search.GRID[0],
                                L2Search.GRID[1],
                                L2Search.GRID[2],
                                L2Search.GRID[3],
                                L2Search.GRID[4],
                                L2Search.GRID[5],
                                L2Search.GRID[6]);
                assertThat(warm.l2()).as("trained with the head's own L2 only").isEqualTo(first.l2());
                assertThat(lines)
                        .noneMatch(line ->
                                line.startsWith("L2 ") && !line.startsWith(String.format("L2 %.0e", first.l2())));
            } else {
                assertThat(warm.l2()).isNull();
            }
        }
    }

    @Test
    void improvedWarmStartIsNeverWorseOnValidationThanItsStart() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 8, 1.5f));
        TrainingParams improved = params(400, 0.01, 100, 100, 10, 5)
                .withOverrides(java.util.Map.of("mode", "improved", "validation_batch_size", -1));
        TrainedHead cold = new HeadTrainer(improved, line -> {}).train(data);
        // A learning rate far too high: every step makes the head worse, so the warm start itself is kept.
        TrainedHead warm = new HeadTrainer(
                        improved.withOverrides(java.util.Map.of("learning_rate", 5.0, "how_many_training_steps", 30)),
                        line -> {})
                .train(data, cold.warmStart(data.labels()));
        assertThat(warm.chosen()).endsWith("the warm start (before step 0)");
        assertClose(warm.weights(), cold.weights());
        assertClose(warm.biases(), cold.biases());
        assertThat(warm.validationAccuracy()).isEqualTo(cold.validationAccuracy());
    }

    @Test
    void improvedModeStopsEachStrengthEarlyOnALargeSetOnceValidationStopsImproving() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(2_500, 13, 2f));
        assertThat(data.training().count()).isGreaterThanOrEqualTo(FullBatchTraining.EARLY_STOP_MIN_TRAINING);
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        TrainingParams improved = params(4000, 0.01, 100, 100, 10, 3)
                .withOverrides(java.util.Map.of("mode", "improved", "validation_batch_size", -1));
        TrainedHead head = new HeadTrainer(improved, lines::add).train(data);
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("stopped early at step"));
        assertThat(head.testAccuracy()).isGreaterThan(0.95);
    }

    @Test
    void warmStartMapsColumnsByLabel() {
        // [2][3]: columns a, b, c.
        WarmStart head =
                new WarmStart(List.of("a", "b", "c"), new float[] {1, 2, 3, 4, 5, 6}, new float[] {7, 8, 9}, 0.1f);
        WarmStart mapped = head.mappedTo(List.of("a", "c", "d"));
        assertThat(mapped.labels()).containsExactly("a", "c", "d");
        assertThat(mapped.weights()).containsExactly(1, 3, 0, 4, 6, 0);
        assertThat(mapped.biases()).containsExactly(7, 9, 0);
        assertThat(mapped.l2()).isEqualTo(0.1f);
        assertThat(mapped.bottleneckSize()).isEqualTo(2);
        TrainingData other = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(10, 1));
        assertThatThrownBy(() -> new HeadTrainer(params(10, 0.1, 10, 10, 10, 1), l -> {})
                        .train(other, new WarmStart(List.of("alpha", "beta"), new float[4], new float[2], null)))
                .hasMessageContaining("takes 2 features, the data has 32");
    }

    @Test
    void unfoldingAHeadThenFoldingItGivesItBack() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(30, 4, 2f));
        Standardisation scale = Standardisation.of(data.training(), 32);
        Random random = new Random(3);
        float[] weights = new float[32 * 3];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        float[] biases = {0.5f, -1f, 2f};
        float[] w = scale.unfoldWeights(weights, 3);
        float[] b = scale.unfoldBiases(weights, biases);
        assertClose(scale.foldWeights(w, 3), weights);
        assertClose(scale.foldBiases(w, b), biases);
    }

    @Test
    void withDistortionsRetrainModeTrainsOnTheFetchedBatchesOnly() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 8, 3f));
        int size = data.bottleneckSize();
        // The "distorted" copies move each class's signal to the next class's dimension: a head trained on them
        // (and not on the cached vectors) must get the cached test vectors wrong.
        List<long[]> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        DistortedBatches shifted = (rows, seed) -> {
            calls.add(new long[] {rows.length, seed});
            float[] out = new float[rows.length * size];
            for (int r = 0; r < rows.length; r++) {
                int c = data.training().classes()[rows[r]];
                out[r * size + ((c + 1) % 3) * 5] = 3f;
            }
            return out;
        };
        TrainingParams params = params(60, 0.5, 16, 20, 20, 4)
                .withOverrides(java.util.Map.of("flip_left_right", true, "random_brightness", 10));
        List<String> lines = new ArrayList<>();
        TrainedHead head = new HeadTrainer(params, lines::add, TrainingListener.NONE, shifted).train(data);

        assertThat(calls).hasSize(60).allSatisfy(call -> assertThat(call[0]).isEqualTo(16));
        assertThat(calls.stream().map(call -> call[1]).distinct().count())
                .as("a new draw every step")
                .isEqualTo(60);
        assertThat(head.trainAccuracy()).isEqualTo(1.0);
        assertThat(head.testAccuracy())
                .as("tested on the cached, undistorted vectors")
                .isLessThan(0.2);
        assertThat(lines).anyMatch(line -> line.matches("Distorted 960 training images in .* images/s.*"));
        assertThatThrownBy(() -> new HeadTrainer(params, l -> {}, TrainingListener.NONE, (DistortedBatches) null))
                .hasMessageContaining("nothing computes distorted bottlenecks");
    }

    @Test
    void aQuickFirstModelTrainsTheMiddleStrengthAloneInsteadOfSearchingTheGrid() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 8, 1.5f));
        TrainingParams improved = params(400, 0.01, 100, 100, 10, 5)
                .withOverrides(java.util.Map.of("mode", "improved", "validation_batch_size", -1));
        List<String> searched = new java.util.concurrent.CopyOnWriteArrayList<>();
        new HeadTrainer(improved, searched::add).train(data, null, true);
        assertThat(searched.stream().filter(line -> line.matches("L2 \\S+: best validation .*")))
                .hasSize(L2Search.GRID.length);

        List<String> lines = new ArrayList<>();
        TrainedHead quick = new HeadTrainer(improved, lines::add).train(data, null, false);
        assertThat(lines.stream().filter(line -> line.matches("L2 \\S+: best validation .*")))
                .singleElement()
                .satisfies(line -> assertThat(line).startsWith(String.format("L2 %.0e:", L2Search.WARM_L2)));
        assertThat(lines).anyMatch(line -> line.startsWith("Nothing to start from: a quick first model"));
        assertThat(quick.l2()).isEqualTo(L2Search.WARM_L2);
        assertThat(quick.testAccuracy()).isGreaterThan(0.8);
    }

    @Test
    void improvedModeKeepsTheStepOfLowestValidationCrossEntropy() {
        // Overlapping classes in 32 dimensions with a few training images.
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 8, 1.5f));
        List<String> lines = new ArrayList<>();
        TrainingParams improved = params(400, 0.01, 100, 100, 10, 5)
                .withOverrides(java.util.Map.of("mode", "improved", "validation_batch_size", -1));
        TrainedHead head = new HeadTrainer(improved, lines::add).train(data);
        assertThat(lines).anyMatch(line -> line.startsWith("Chosen on validation: L2 "));
        assertThat(head.chosen()).startsWith("L2 ");
        assertThat(head.validationCount()).isEqualTo(data.validation().count());
        assertThat(head.testAccuracy()).isGreaterThan(0.8);
        assertThat(head.curve()).isNotEmpty();
        assertThat(head.testScores()).hasNumberOfRows(data.testing().count());
        // The kept step is the one of lowest validation cross entropy of its training.
        double lowest = head.curve().stream()
                .mapToDouble(TrainedHead.Evaluation::validationCrossEntropy)
                .min()
                .orElseThrow();
        assertThat(head.curve())
                .anyMatch(e ->
                        e.validationCrossEntropy() == lowest && head.chosen().endsWith("step " + e.step()));
    }

    @Test
    void testBatchSizeSamplesThatManyTestImages() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 9));
        TrainingParams params = params(20, 0.1, 10, 10, 10, 1).withOverrides(java.util.Map.of("test_batch_size", 7));
        TrainedHead head = new HeadTrainer(params, l -> {}).train(data);
        assertThat(head.testCount()).isEqualTo(7);
        assertThat(head.testRows()).hasSize(7);
    }

    @Test
    void convergesOnSeparableDataAndLogsLikeRetrainPy() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(100, 1));
        List<String> lines = new ArrayList<>();
        TrainedHead head = new HeadTrainer(params(500, 0.1, 100, 100, 10, 42), lines::add).train(data);

        assertThat(head.testAccuracy()).isGreaterThan(0.95);
        assertThat(head.testCount()).isEqualTo(data.testing().count());
        assertThat(head.validationAccuracy()).isGreaterThan(0.9);
        assertThat(head.weights()).hasSize(32 * 3);
        assertThat(head.biases()).hasSize(3);
        assertThat(lines.get(0))
                .matches("Step 0: Train accuracy = \\d+\\.\\d%, Cross entropy = \\d+\\.\\d+, "
                        + "Validation accuracy = \\d+\\.\\d% \\(N=100\\)");
        assertThat(lines).anyMatch(line -> line.startsWith("Step 490: "));
        assertThat(lines).anyMatch(line -> line.startsWith("Step 499: "));
        assertThat(lines.get(lines.size() - 1)).matches("Final test accuracy = \\d+\\.\\d% \\(N=45\\)");
    }

    @Test
    void crossEntropyFallsAsTrainingGoesOn() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(60, 2));
        List<String> lines = new ArrayList<>();
        new HeadTrainer(params(300, 0.01, 50, 50, 100, 3), lines::add).train(data);
        double first = crossEntropy(lines.get(0));
        double last = crossEntropy(lines.get(lines.size() - 2));
        assertThat(first).isCloseTo(Math.log(3), org.assertj.core.data.Offset.offset(0.05));
        assertThat(last).isLessThan(first);
    }

    @Test
    void sameSeedSameModel() {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(30, 3));
        TrainingParams params = params(50, 0.01, 20, 20, 10, 11);
        TrainedHead a = new HeadTrainer(params, line -> {}).train(data);
        TrainedHead b = new HeadTrainer(params, line -> {}).train(data);
        assertThat(a.weights()).containsExactly(b.weights());
    }

    @Test
    void refusesFewerThanTwoClasses() {
        List<LabelledBottleneck> onlyAlpha =
                blobs(10, 4).stream().filter(i -> i.label().equals("alpha")).toList();
        TrainingData data = TrainingData.of(List.of("alpha"), onlyAlpha);
        assertThatThrownBy(() -> new HeadTrainer(params(10, 0.01, 10, 10, 10, 1), l -> {}).train(data))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 classes");
    }

    @Test
    void refusesInvalidParameters() {
        assertThatThrownBy(() -> params(-1, 0.01, 100, 100, 10, 1)).hasMessageContaining("how_many_training_steps");
        assertThatThrownBy(() -> params(10, 0, 100, 100, 10, 1)).hasMessageContaining("learning_rate");
    }

    /** Cancels {@code trainer}'s training after {@code afterMillis}; the milliseconds from the request to its end. */
    private static long cancelledAfter(HeadTrainer trainer, TrainingData data, long afterMillis) throws Exception {
        java.util.concurrent.atomic.AtomicLong requestedAt = new java.util.concurrent.atomic.AtomicLong();
        Thread canceller = new Thread(() -> {
            try {
                Thread.sleep(afterMillis);
            } catch (InterruptedException e) {
                return;
            }
            requestedAt.set(System.nanoTime());
        });
        canceller.start();
        assertThatThrownBy(
                        () -> trainer.cancelledBy(() -> requestedAt.get() != 0).train(data))
                .isInstanceOf(RunCancelledException.class);
        long ended = System.nanoTime();
        canceller.join();
        return (ended - requestedAt.get()) / 1_000_000;
    }

    @Test
    void aCancelledRetrainModeRunStopsAtOnce() throws Exception {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 10));
        long millis = cancelledAfter(
                new HeadTrainer(params(TrainingParams.MAX_TRAINING_STEPS, 0.01, 100, 100, 1000, 1), l -> {}),
                data,
                300);
        assertThat(millis).as("ms from the cancellation to the end of training").isLessThan(1000);
    }

    @Test
    void aCancelledImprovedModeRunStopsEveryL2TrainingAtOnce() throws Exception {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 11));
        TrainingParams improved = params(TrainingParams.MAX_TRAINING_STEPS, 0.01, 100, 100, 1000, 2)
                .withOverrides(java.util.Map.of("mode", "improved"));
        long millis = cancelledAfter(new HeadTrainer(improved, l -> {}), data, 300);
        assertThat(millis).as("ms from the cancellation to the end of training").isLessThan(1000);
        // The other strengths stop at their next step check; on a loaded machine that step may take a while.
        await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                        Thread.getAllStackTraces().keySet())
                .as("no L2 training goes on")
                .noneMatch(t ->
                        t.getName().startsWith("training-l2") && t.isAlive() && t.getState() == Thread.State.RUNNABLE));
    }

    @Test
    void aCancelledDistortedRunStopsWaitingForItsBatch() throws Exception {
        TrainingData data = TrainingData.of(List.of("alpha", "beta", "gamma"), blobs(40, 12));
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        DistortedBatches stuck = (rows, seed) -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            throw new IllegalStateException("no batch");
        };
        TrainingParams params =
                params(100, 0.1, 16, 20, 20, 4).withOverrides(java.util.Map.of("flip_left_right", true));
        long millis = cancelledAfter(new HeadTrainer(params, l -> {}, TrainingListener.NONE, stuck), data, 300);
        assertThat(millis).as("ms from the cancellation to the end of training").isLessThan(1000);
        assertThat(interrupted.await(1, java.util.concurrent.TimeUnit.SECONDS))
                .as("the fetch in flight interrupted")
                .isTrue();
    }

    @Test
    void samplerDrawsClassesEvenly() {
        int[] classes = new int[100];
        classes[0] = 1; // class 1 has one image, class 0 has 99
        BalancedSampler sampler = new BalancedSampler(classes, 2, new Random(5));
        int[] sample = sampler.sample(10_000);
        long ones = java.util.Arrays.stream(sample).filter(row -> row == 0).count();
        assertThat(ones).isBetween(4_500L, 5_500L);
    }

    private static double crossEntropy(String line) {
        String value = line.replaceAll(".*Cross entropy = ([0-9.]+),.*", "$1");
        return Double.parseDouble(value);
    }
}
