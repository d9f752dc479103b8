package io.retrainstream.trainer.model;

import static io.retrainstream.trainer.model.HeadLayers.rows;

import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link TrainingMode#IMPROVED}'s training graph for one L2 strength: the training and validation sets standardised
 * as constants, full-batch Adam with L2 on zero or given (unfolded) weights. Each run length has its chain of steps
 * and its losses after them on the whole training and validation sets; length 0 measures the initial head.
 */
final class ImprovedGraph {

    /** Feed: {@code beta1^t} of Adam's bias correction for each step of the run. */
    static final String BETA1_POWERS = "beta1_powers";
    /** Feed: {@code beta2^t} of Adam's bias correction for each step of the run. */
    static final String BETA2_POWERS = "beta2_powers";

    static final float ADAM_BETA1 = 0.9f;
    static final float ADAM_BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-7f;

    final Placeholder<TFloat32> beta1Powers;
    final Placeholder<TFloat32> beta2Powers;
    /** Element k: the head after k + 1 steps of one run. */
    final List<Head> chain;
    /** Per run length (0: the initial head): the loss on the training set. */
    final Map<Integer, Loss> trainLoss = new HashMap<>();
    /** Per run length (0: the initial head): the loss on the validation set; empty without one. */
    final Map<Integer, Loss> validationLoss = new HashMap<>();

    /**
     * @param startWeights standardised row-major {@code [size, classes]}; null for zeros
     * @param startBiases standardised; null for zeros
     */
    ImprovedGraph(
            Ops tf,
            TrainingData data,
            Standardisation scale,
            float learningRate,
            float l2,
            float[] startWeights,
            float[] startBiases,
            List<Integer> lengths) {
        int size = data.bottleneckSize();
        int classes = data.labels().size();
        Operand<TFloat32> x = scale.apply(tf, HeadLayers.constant(tf, data.training(), size));
        Operand<TInt32> y = tf.constant(data.training().classes());
        Ops head = tf.withSubScope(HeadLayers.SCOPE);
        Variable<TFloat32> weights = HeadLayers.weights(
                head,
                startWeights != null
                        ? HeadLayers.matrix(head, size, classes, startWeights)
                        : HeadLayers.zeros(head, size, classes));
        Variable<TFloat32> biases = HeadLayers.biases(
                head, startBiases != null ? head.constant(startBiases) : HeadLayers.zeros(head, classes));
        beta1Powers = tf.withName(BETA1_POWERS).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        beta2Powers = tf.withName(BETA2_POWERS).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        Adam weightsAdam = new Adam(tf, learningRate, size, classes);
        Adam biasesAdam = new Adam(tf, learningRate, classes);
        Operand<TFloat32> l2Strength = tf.constant(l2);
        chain = HeadLayers.chain(new Head(weights, biases), StepSchedule.longest(lengths), (j, w, b) -> {
            Operand<TFloat32> b1 = rows(tf, beta1Powers, tf.constant(j));
            Operand<TFloat32> b2 = rows(tf, beta2Powers, tf.constant(j));
            Loss g = HeadLayers.loss(tf, head, x, y, classes, w, b, l2Strength);
            return new Head(weightsAdam.apply(tf, w, b1, b2, g.weights()), biasesAdam.apply(tf, b, b1, b2, g.biases()));
        });
        Operand<TFloat32> validationX = data.validation().count() == 0
                ? null
                : scale.apply(tf, HeadLayers.constant(tf, data.validation(), size));
        Operand<TInt32> validationY =
                validationX == null ? null : tf.constant(data.validation().classes());
        TreeSet<Integer> measured = new TreeSet<>(lengths);
        measured.add(0);
        for (int length : measured) {
            Head after = length == 0 ? new Head(weights, biases) : chain.get(length - 1);
            trainLoss.put(length, HeadLayers.loss(tf, head, x, y, classes, after.weights(), after.biases(), null));
            if (validationX != null) {
                validationLoss.put(
                        length,
                        HeadLayers.loss(
                                tf, head, validationX, validationY, classes, after.weights(), after.biases(), null));
            }
        }
    }

    /** Adam's moment slots of one variable; each step's update reads and writes them. */
    static final class Adam {
        private final Variable<TFloat32> m;
        private final Variable<TFloat32> v;
        private final float learningRate;

        Adam(Ops tf, float learningRate, long... shape) {
            this.m = tf.variable(HeadLayers.zeros(tf, shape));
            this.v = tf.variable(HeadLayers.zeros(tf, shape));
            this.learningRate = learningRate;
        }

        Operand<TFloat32> apply(
                Ops tf,
                Operand<TFloat32> variable,
                Operand<TFloat32> beta1Power,
                Operand<TFloat32> beta2Power,
                Operand<TFloat32> gradient) {
            return tf.train.applyAdam(
                    variable,
                    m,
                    v,
                    beta1Power,
                    beta2Power,
                    tf.constant(learningRate),
                    tf.constant(ADAM_BETA1),
                    tf.constant(ADAM_BETA2),
                    tf.constant(ADAM_EPSILON),
                    gradient);
        }
    }
}
