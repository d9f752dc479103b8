package io.retrainstream.trainer.model;

import io.retrainstream.common.model.Head;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SoftmaxHead;
import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Scores the kept head on the test set (or a class-balanced sample of {@code test_batch_size}) in a graph of its own,
 * reports the final test accuracy and, when asked, the misclassified images.
 */
final class TestEvaluation {

    private final TrainingParams params;
    private final Consumer<String> progress;

    TestEvaluation(TrainingParams params, Consumer<String> progress) {
        this.params = params;
        this.progress = progress;
    }

    TrainedHead test(TrainingData data, Candidate kept, Random random) {
        int classes = data.labels().size();
        TrainingData.Split testing = data.testing();
        int[] rows = testing.count() == 0
                ? new int[0]
                : params.testBatchSize() == -1
                        ? BalancedSampler.all(testing.count())
                        : new BalancedSampler(testing.classes(), classes, random).sample(params.testBatchSize());
        float[][] scores = rows.length == 0 ? new float[0][classes] : scores(data, kept, rows);
        double correct = 0;
        for (int i = 0; i < rows.length; i++) {
            if (Head.argMax(scores[i]) == testing.classes()[rows[i]]) {
                correct++;
            }
        }
        double testAccuracy = rows.length == 0 ? Double.NaN : correct / rows.length;
        progress.accept(String.format(
                "Final test accuracy = %s (N=%d)",
                Double.isNaN(testAccuracy) ? "n/a" : ProgressLines.percent(testAccuracy), rows.length));
        if (params.printMisclassifiedTestImages()) {
            MisclassifiedImages.print(progress, data, rows, scores);
        }
        TrainedHead.Evaluation at = kept.at();
        return new TrainedHead(
                kept.weights(),
                kept.biases(),
                at.trainAccuracy(),
                at.crossEntropy(),
                at.validationAccuracy(),
                at.validationCount(),
                testAccuracy,
                rows.length,
                List.copyOf(kept.curve()),
                kept.chosen(),
                rows,
                scores,
                kept.l2());
    }

    /** The softmax scores of the test {@code rows}, one row per image. */
    private float[][] scores(TrainingData data, Candidate kept, int[] rows) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        float[][] scores = new float[rows.length][classes];
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> x = HeadLayers.rows(tf, HeadLayers.constant(tf, data.testing(), size), tf.constant(rows));
            Operand<TFloat32> softmax =
                    SoftmaxHead.addInference(tf, x, kept.weights(), kept.biases(), params.finalTensorName());
            try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp());
                    Result result = session.runner().fetch(softmax).run()) {
                float[] flat = TrainingLoop.floats(result, 0, rows.length * classes);
                for (int i = 0; i < rows.length; i++) {
                    System.arraycopy(flat, i * classes, scores[i], 0, classes);
                }
            }
        }
        return scores;
    }
}
