package io.retrainstream.trainer.model;

import io.retrainstream.common.tf.SoftmaxHead;
import io.retrainstream.trainer.data.TrainingData;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.SoftmaxCrossEntropyWithLogits;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/** The layers both training graphs build, as small builder methods over {@link Ops}. */
final class HeadLayers {

    /** The sub-scope of the trained head's ops, as {@code retrain.py} names it. */
    static final String SCOPE = "final_retrain_ops";

    static final String WEIGHTS = "final_weights";
    static final String BIASES = "final_biases";

    private HeadLayers() {}

    /** A head's weights and biases as the graph holds them after some step. */
    record Head(Operand<TFloat32> weights, Operand<TFloat32> biases) {}

    /** The loss of a head on {@code x, y} and its gradients (with {@code l2 * weights} added when l2 is given). */
    record Loss(
            Operand<TFloat32> crossEntropy,
            Operand<TFloat32> accuracy,
            Operand<TFloat32> weights,
            Operand<TFloat32> biases) {}

    /** One training step: the update of the head {@code w, b} the previous step wrote. */
    interface Step {
        Head apply(int index, Operand<TFloat32> w, Operand<TFloat32> b);
    }

    /** The head's weight variable {@code [size, classes]}, starting at {@code init}. */
    static Variable<TFloat32> weights(Ops head, Operand<TFloat32> init) {
        return head.withName(WEIGHTS).variable(init);
    }

    /** The head's bias variable {@code [classes]}, starting at {@code init}. */
    static Variable<TFloat32> biases(Ops head, Operand<TFloat32> init) {
        return head.withName(BIASES).variable(init);
    }

    /** A {@code [rows, columns]} constant of row-major {@code values}. */
    static Operand<TFloat32> matrix(Ops tf, long rows, long columns, float[] values) {
        return tf.constant(Shape.of(rows, columns), DataBuffers.of(values, true, false));
    }

    static Operand<TFloat32> zeros(Ops tf, long... shape) {
        return tf.zeros(tf.constant(shape), TFloat32.class);
    }

    /** A split's vectors as a {@code [count, size]} constant. */
    static Operand<TFloat32> constant(Ops tf, TrainingData.Split split, int size) {
        return matrix(tf, split.count(), size, split.vectors());
    }

    /** The rows {@code index} of {@code values} (dimension 0). */
    static <T extends TType> Operand<T> rows(Ops tf, Operand<T> values, Operand<TInt32> index) {
        return tf.gather(values, index, tf.constant(0));
    }

    /**
     * {@code length} steps chained in one graph: each update op takes the previous one's output (the variable it
     * wrote) as its variable, so a run targeting step k's ops runs steps 0..k in order. Element k is the head after
     * k + 1 steps.
     */
    static List<Head> chain(Head start, int length, Step step) {
        List<Head> heads = new ArrayList<>();
        Head head = start;
        for (int j = 0; j < length; j++) {
            head = step.apply(j, head.weights(), head.biases());
            heads.add(head);
        }
        return heads;
    }

    static Loss loss(
            Ops tf,
            Ops head,
            Operand<TFloat32> x,
            Operand<TInt32> y,
            int classes,
            Operand<TFloat32> weights,
            Operand<TFloat32> biases,
            Operand<TFloat32> l2) {
        Operand<TFloat32> logits = SoftmaxHead.logits(head, x, weights, biases);
        SoftmaxCrossEntropyWithLogits<TFloat32> loss = tf.nn.softmaxCrossEntropyWithLogits(
                logits, tf.oneHot(y, tf.constant(classes), tf.constant(1f), tf.constant(0f)));
        Operand<TFloat32> crossEntropy = tf.math.mean(loss.loss(), tf.constant(0));
        // d(mean cross entropy)/d(logits) = (softmax - one_hot) / batch: TensorFlow's own backprop output.
        Operand<TFloat32> gradLogits = tf.math.div(loss.backprop(), tf.dtypes.cast(tf.size(y), TFloat32.class));
        Operand<TFloat32> gradWeights = tf.linalg.matMul(x, gradLogits, MatMul.transposeA(true));
        if (l2 != null) {
            gradWeights = tf.math.add(gradWeights, tf.math.mul(l2, weights));
        }
        return new Loss(crossEntropy, accuracy(tf, logits, y), gradWeights, tf.reduceSum(gradLogits, tf.constant(0)));
    }

    static Operand<TFloat32> accuracy(Ops tf, Operand<TFloat32> logits, Operand<TInt32> truth) {
        Operand<TInt32> predicted = tf.math.argMax(logits, tf.constant(1), TInt32.class);
        return tf.math.mean(tf.dtypes.cast(tf.math.equal(predicted, truth), TFloat32.class), tf.constant(0));
    }
}
