package io.retrainstream.common.tf;

import io.retrainstream.common.model.Head;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code retrain.py}'s final layer as graph ops: one fully connected layer from the bottleneck to the classes, then
 * softmax. The trainer trains it and exported graphs run it; the same arithmetic on Java values is {@link Head}.
 */
public final class SoftmaxHead {

    /** Name of the softmax output, {@code retrain.py}'s {@code --final_tensor_name} default. */
    public static final String FINAL_TENSOR_NAME = "final_result";

    private SoftmaxHead() {}

    /** {@code bottleneck x weights + biases}. */
    public static Operand<TFloat32> logits(
            Ops tf, Operand<TFloat32> bottleneck, Operand<TFloat32> weights, Operand<TFloat32> biases) {
        return tf.withName("logits").math.add(tf.linalg.matMul(bottleneck, weights), biases);
    }

    /** {@code head} as constants on top of {@code features}, ending in the softmax named {@code finalTensorName}. */
    public static Operand<TFloat32> addInference(
            Ops tf, Operand<TFloat32> features, Head head, String finalTensorName) {
        return addInference(tf, features, head.weights(), head.biases(), finalTensorName);
    }

    /** The trained head as constants on top of {@code bottleneck}, ending in the softmax {@link #FINAL_TENSOR_NAME}. */
    public static Operand<TFloat32> addInference(
            Ops tf, Operand<TFloat32> bottleneck, float[] weights, float[] biases, String finalTensorName) {
        int classes = biases.length;
        int size = weights.length / classes;
        Ops head = tf.withSubScope("final_retrain_ops");
        Operand<TFloat32> w =
                head.withName("final_weights").constant(Shape.of(size, classes), DataBuffers.of(weights, true, false));
        Operand<TFloat32> b =
                head.withName("final_biases").constant(Shape.of(classes), DataBuffers.of(biases, true, false));
        return tf.withName(finalTensorName).nn.softmax(logits(head, bottleneck, w, b));
    }
}
