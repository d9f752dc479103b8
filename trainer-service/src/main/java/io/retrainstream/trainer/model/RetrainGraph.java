package io.retrainstream.trainer.model;

import static io.retrainstream.trainer.model.HeadLayers.rows;

import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.HeadLayers.Head;
import io.retrainstream.trainer.model.HeadLayers.Loss;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code retrain.py}'s training graph: weights from a truncated normal (stddev 0.001) or given ones, zero or given
 * biases, plain gradient descent on the rows fed per step (or on fed distorted bottlenecks), the training data as
 * constants. Each run length has its chain of steps and its losses after them, on the run's last training batch and
 * on a fed validation batch.
 */
final class RetrainGraph {

    /** Feed: {@code [steps of the run][batch]} training rows of each step's batch. */
    static final String BATCH_INDICES = "batch_indices";
    /** Feed: the step's distorted bottlenecks {@code [batch, size]}, when distortions are on. */
    static final String DISTORTED_BOTTLENECKS = "distorted_bottlenecks";
    /** Feed: the rows of the validation batch an evaluation measures. */
    static final String VALIDATION_INDICES = "validation_indices";

    private static final float INIT_STDDEV = 0.001f;

    final Placeholder<TInt32> batches;
    final Placeholder<TFloat32> distortedX;
    final Placeholder<TInt32> validationBatch;
    final Variable<TFloat32> weights;
    final Variable<TFloat32> biases;
    /** Element k: the head after k + 1 steps of one run. */
    final List<Head> chain;
    /** Per run length: the loss of the run's last batch after its update. */
    final Map<Integer, Loss> trainLoss = new HashMap<>();
    /** Per run length: the loss of the fed validation batch after the run; empty without a validation set. */
    final Map<Integer, Loss> validationLoss = new HashMap<>();

    /**
     * @param startWeights row-major {@code [size, classes]}; null for the truncated normal
     * @param startBiases null for zeros
     * @param distorted whether the steps train on {@link #DISTORTED_BOTTLENECKS} instead of the cached vectors
     */
    RetrainGraph(
            Ops tf,
            TrainingData data,
            TrainingParams params,
            float[] startWeights,
            float[] startBiases,
            List<Integer> lengths,
            boolean distorted) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        batches = tf.withName(BATCH_INDICES).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        distortedX =
                tf.withName(DISTORTED_BOTTLENECKS).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size)));
        Operand<TFloat32> trainX = distorted ? null : HeadLayers.constant(tf, data.training(), size);
        Operand<TInt32> trainY = tf.constant(data.training().classes());

        Ops head = tf.withSubScope(HeadLayers.SCOPE);
        weights = HeadLayers.weights(
                head,
                startWeights != null
                        ? HeadLayers.matrix(head, size, classes, startWeights)
                        : truncatedNormal(head, size, classes, params.seed()));
        biases = HeadLayers.biases(
                head, startBiases != null ? head.constant(startBiases) : HeadLayers.zeros(head, classes));
        Operand<TFloat32> learningRate = tf.constant((float) params.learningRate());
        chain = HeadLayers.chain(new Head(weights, biases), StepSchedule.longest(lengths), (j, w, b) -> {
            Operand<TInt32> batch = rows(tf, batches, tf.constant(j));
            Operand<TFloat32> x = distorted ? distortedX : rows(tf, trainX, batch);
            Loss g = HeadLayers.loss(tf, head, x, rows(tf, trainY, batch), classes, w, b, null);
            return gradientDescent(tf, learningRate, w, b, g);
        });
        validationBatch = tf.withName(VALIDATION_INDICES).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        Operand<TFloat32> validationX = data.validation().count() == 0
                ? null
                : rows(tf, HeadLayers.constant(tf, data.validation(), size), validationBatch);
        Operand<TInt32> validationY = validationX == null
                ? null
                : rows(tf, tf.constant(data.validation().classes()), validationBatch);
        for (int length : new TreeSet<>(lengths)) {
            Head after = chain.get(length - 1);
            Operand<TInt32> last = rows(tf, batches, tf.constant(length - 1));
            Operand<TFloat32> x = distorted ? distortedX : rows(tf, trainX, last);
            trainLoss.put(
                    length,
                    HeadLayers.loss(
                            tf, head, x, rows(tf, trainY, last), classes, after.weights(), after.biases(), null));
            if (validationX != null) {
                validationLoss.put(
                        length,
                        HeadLayers.loss(
                                tf, head, validationX, validationY, classes, after.weights(), after.biases(), null));
            }
        }
    }

    /** {@code retrain.py}'s initial weights: a truncated normal with stddev {@value #INIT_STDDEV}, seeded. */
    private static Operand<TFloat32> truncatedNormal(Ops head, int size, int classes, long seed) {
        return head.math.mul(
                head.random.truncatedNormal(
                        head.constant(new long[] {size, classes}),
                        TFloat32.class,
                        TruncatedNormal.seed(seed),
                        TruncatedNormal.seed2(seed + 1)),
                head.constant(INIT_STDDEV));
    }

    private static Head gradientDescent(
            Ops tf, Operand<TFloat32> learningRate, Operand<TFloat32> w, Operand<TFloat32> b, Loss g) {
        return new Head(
                tf.train.applyGradientDescent(w, learningRate, g.weights()),
                tf.train.applyGradientDescent(b, learningRate, g.biases()));
    }
}
