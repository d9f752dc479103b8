package io.retrainstream.trainer.data;

import java.util.List;

/**
 * A published head to continue training from, as {@code HeadTrainer.train(TrainingData, WarmStart)} takes it.
 *
 * @param labels  the head's class labels, in column order
 * @param weights row-major {@code [bottleneckSize][labels.size()]}, for the raw features
 * @param biases  one per label
 * @param l2      the L2 strength the head was trained with ({@link TrainedHead#l2()}); null if unknown
 */
public record WarmStart(List<String> labels, float[] weights, float[] biases, Float l2) {

    public WarmStart {
        labels = List.copyOf(labels);
        if (labels.isEmpty() || biases.length != labels.size() || weights.length % labels.size() != 0) {
            throw new IllegalArgumentException("A warm start needs one bias and one weight column per label: "
                    + labels.size() + " labels, " + biases.length + " biases, " + weights.length + " weights");
        }
    }

    /** Length of the feature vectors the head takes. */
    public int bottleneckSize() {
        return weights.length / labels.size();
    }

    /**
     * This head for {@code newLabels}: a known label keeps its column and bias, a new label starts with a zero column
     * and a zero bias, a label missing from {@code newLabels} is dropped.
     */
    public WarmStart mappedTo(List<String> newLabels) {
        int size = bottleneckSize();
        int oldClasses = labels.size();
        int classes = newLabels.size();
        float[] w = new float[size * classes];
        float[] b = new float[classes];
        for (int c = 0; c < classes; c++) {
            int old = labels.indexOf(newLabels.get(c));
            if (old < 0) {
                continue;
            }
            b[c] = biases[old];
            for (int d = 0; d < size; d++) {
                w[d * classes + c] = weights[d * oldClasses + old];
            }
        }
        return new WarmStart(newLabels, w, b, l2);
    }
}
