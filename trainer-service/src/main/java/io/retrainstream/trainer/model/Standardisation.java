package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainingData;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Per-feature standardisation of the training set, {@code (x - mean) / std}, folded into the trained weights
 * afterwards so the published head takes the raw features.
 */
record Standardisation(float[] mean, float[] std) {

    static Standardisation of(TrainingData.Split split, int size) {
        double[] sum = new double[size];
        double[] squares = new double[size];
        float[] v = split.vectors();
        for (int row = 0; row < split.count(); row++) {
            for (int d = 0; d < size; d++) {
                double value = v[row * size + d];
                sum[d] += value;
                squares[d] += value * value;
            }
        }
        float[] mean = new float[size];
        float[] std = new float[size];
        for (int d = 0; d < size; d++) {
            double m = sum[d] / split.count();
            mean[d] = (float) m;
            std[d] = (float) Math.max(Math.sqrt(Math.max(squares[d] / split.count() - m * m, 0)), 1e-3);
        }
        return new Standardisation(mean, std);
    }

    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
        return tf.math.div(tf.math.sub(x, tf.constant(mean)), tf.constant(std));
    }

    /** {@code W * std} per input row: the inverse of {@link #foldWeights}. */
    float[] unfoldWeights(float[] weights, int classes) {
        float[] unfolded = new float[weights.length];
        for (int d = 0; d < mean.length; d++) {
            for (int c = 0; c < classes; c++) {
                unfolded[d * classes + c] = weights[d * classes + c] * std[d];
            }
        }
        return unfolded;
    }

    /** {@code b + sum_d mean_d W_dc} for raw weights {@code W}: the inverse of {@link #foldBiases}. */
    float[] unfoldBiases(float[] weights, float[] biases) {
        int classes = biases.length;
        float[] unfolded = biases.clone();
        for (int d = 0; d < mean.length; d++) {
            for (int c = 0; c < classes; c++) {
                unfolded[c] += mean[d] * weights[d * classes + c];
            }
        }
        return unfolded;
    }

    /** {@code W / std} per input row. */
    float[] foldWeights(float[] weights, int classes) {
        float[] folded = new float[weights.length];
        for (int d = 0; d < mean.length; d++) {
            for (int c = 0; c < classes; c++) {
                folded[d * classes + c] = weights[d * classes + c] / std[d];
            }
        }
        return folded;
    }

    /** {@code b - sum_d mean_d W_dc / std_d}. */
    float[] foldBiases(float[] weights, float[] biases) {
        int classes = biases.length;
        float[] folded = biases.clone();
        for (int d = 0; d < mean.length; d++) {
            for (int c = 0; c < classes; c++) {
                folded[c] -= mean[d] * weights[d * classes + c] / std[d];
            }
        }
        return folded;
    }
}
