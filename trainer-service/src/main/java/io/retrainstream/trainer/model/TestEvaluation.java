package io.retrainstream.trainer.model;

import io.retrainstream.common.model.Head;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SoftmaxHead;
import io.retrainstream.trainer.data.Candidate;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Scores the kept head on the test set (or a class-balanced sample of {@code test_batch_size} of its photos) in a graph
 * of its own, reports the final test accuracy and, when asked, the misclassified images. With the mirror among the
 * data's views, a photo's scores are the mean of the softmax over its own row and its mirror's (a photo without a
 * mirror: its own alone), as {@code Head.softmax(Features)} answers in the classifier, so that the accuracy reported is
 * the one the classifier delivers.
 */
final class TestEvaluation {

    /** Test images scored per {@code Session.run}. */
    static final int BATCH = 4096;

    private static final String INPUT = "test_input";

    private final TrainingParams params;
    private final Consumer<String> progress;

    TestEvaluation(TrainingParams params, Consumer<String> progress) {
        this.params = params;
        this.progress = progress;
    }

    TrainedHead test(TrainingData data, Candidate kept, Random random) {
        int classes = data.labels().size();
        TrainingData.Split testing = data.testing();
        int[] photos = testing.originals();
        int[] rows;
        if (photos.length == 0 || params.testBatchSize() == -1) {
            rows = photos;
        } else {
            int[] photoClasses = new int[photos.length];
            for (int i = 0; i < photos.length; i++) {
                photoClasses[i] = testing.classes()[photos[i]];
            }
            rows = new BalancedSampler(photoClasses, classes, random).sample(params.testBatchSize());
            for (int i = 0; i < rows.length; i++) {
                rows[i] = photos[rows[i]];
            }
        }
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

    /**
     * The scores of the photos of the test {@code rows} (their own rows), one per photo: the softmax of the row, or
     * its mean with the softmax of the photo's mirror row when the data have the mirror view.
     */
    private float[][] scores(TrainingData data, Candidate kept, int[] rows) {
        if (!data.mirrored()) {
            return softmax(data, kept, rows);
        }
        TrainingData.Split testing = data.testing();
        int[] fed = new int[rows.length * 2];
        int[] mirrorAt = new int[rows.length];
        int n = rows.length;
        System.arraycopy(rows, 0, fed, 0, rows.length);
        for (int i = 0; i < rows.length; i++) {
            int mirror = testing.mirrorOf(rows[i]);
            mirrorAt[i] = mirror < 0 ? -1 : n;
            if (mirror >= 0) {
                fed[n++] = mirror;
            }
        }
        float[][] softmax = softmax(data, kept, Arrays.copyOf(fed, n));
        float[][] scores = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            scores[i] = softmax[i];
            if (mirrorAt[i] >= 0) {
                float[] mirror = softmax[mirrorAt[i]];
                for (int c = 0; c < scores[i].length; c++) {
                    scores[i][c] = (scores[i][c] + mirror[c]) / 2;
                }
            }
        }
        return scores;
    }

    /**
     * The softmax of the test {@code rows}, one per row: one graph and one session, the rows fed in batches of
     * {@link #BATCH}, so the graph holds no copy of the test set however large it is.
     */
    private float[][] softmax(TrainingData data, Candidate kept, int[] rows) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        float[] vectors = data.testing().vectors();
        float[][] scores = new float[rows.length][classes];
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x =
                    tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size)));
            Operand<TFloat32> softmax =
                    SoftmaxHead.addInference(tf, x, kept.weights(), kept.biases(), params.finalTensorName());
            float[] batch = new float[Math.min(BATCH, rows.length) * size];
            try (Session session = new Session(graph, ParallelRuns.oneThreadPerOp())) {
                for (int from = 0; from < rows.length; from += BATCH) {
                    int count = Math.min(BATCH, rows.length - from);
                    for (int i = 0; i < count; i++) {
                        System.arraycopy(vectors, rows[from + i] * size, batch, i * size, size);
                    }
                    try (TFloat32 input = TFloat32.tensorOf(
                                    Shape.of(count, size),
                                    DataBuffers.of(batch, true, false).narrow(count * size));
                            Result result = session.runner()
                                    .feed(x, input)
                                    .fetch(softmax)
                                    .run()) {
                        float[] flat = TrainingLoop.floats(result, 0, count * classes);
                        for (int i = 0; i < count; i++) {
                            System.arraycopy(flat, i * classes, scores[from + i], 0, classes);
                        }
                    }
                }
            }
        }
        return scores;
    }
}
