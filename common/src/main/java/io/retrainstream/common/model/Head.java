package io.retrainstream.common.model;

import java.util.Arrays;
import java.util.List;

/**
 * {@code retrain.py}'s final layer as values: the classes, the feature layer it reads, row-major weights
 * {@code [size][classes]} and one bias per class; and its arithmetic, {@code softmax(x W + b)}, written once here for
 * the classifier's serving and the trainer's promotion gate ({@code tf/SoftmaxHead} builds the same as graph ops for
 * training and exported graphs).
 */
public record Head(List<String> labels, FeatureLayer layer, float[] weights, float[] biases, List<View> views) {

    public Head {
        labels = List.copyOf(labels);
        views = views == null || views.isEmpty() ? View.ORIGINAL_ONLY : List.copyOf(views);
        if (layer == FeatureLayer.MIRROR || (layer != FeatureLayer.POOLED && !views.equals(View.ORIGINAL_ONLY))) {
            throw new IllegalArgumentException(
                    "only a head on the pooled layer has views, not one on " + layer.id() + " with " + View.ids(views));
        }
        if (labels.isEmpty() || biases.length != labels.size() || weights.length % labels.size() != 0) {
            throw new IllegalArgumentException("a head of " + labels.size() + " classes needs one bias per class and "
                    + "[size][classes] weights, got " + biases.length + " biases and " + weights.length + " weights");
        }
    }

    /** A head that reads the photo alone. */
    public Head(List<String> labels, FeatureLayer layer, float[] weights, float[] biases) {
        this(labels, layer, weights, biases, View.ORIGINAL_ONLY);
    }

    /** Whether it answers the mean over the photo and its mirror. */
    public boolean mirrored() {
        return views.contains(View.MIRROR);
    }

    /**
     * The softmax scores of an image: the mean of {@link #softmax(float[])} over its {@link #views} that
     * {@code features} hold (a photo whose mirror was not computed is answered on itself alone).
     */
    public float[] softmax(Features features) {
        float[] scores = softmax(features.of(layer));
        if (!mirrored() || !features.hasMirror()) {
            return scores;
        }
        float[] mirror = softmax(features.mirror());
        for (int c = 0; c < scores.length; c++) {
            scores[c] = (scores[c] + mirror[c]) / 2;
        }
        return scores;
    }

    public int classes() {
        return biases.length;
    }

    /** The length of the feature vector it takes. */
    public int size() {
        return weights.length / biases.length;
    }

    /** Writes {@code x W + b} into {@code logits} (one per class). */
    public void logits(float[] x, double[] logits) {
        int classes = biases.length;
        for (int c = 0; c < classes; c++) {
            logits[c] = biases[c];
        }
        for (int d = 0; d < x.length; d++) {
            float value = x[d];
            if (value != 0) {
                int row = d * classes;
                for (int c = 0; c < classes; c++) {
                    logits[c] += value * weights[row + c];
                }
            }
        }
    }

    /** The softmax scores of {@code x}, in class-index order. */
    public float[] softmax(float[] x) {
        double[] logits = new double[biases.length];
        logits(x, logits);
        double max = Double.NEGATIVE_INFINITY;
        for (double logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (int c = 0; c < logits.length; c++) {
            logits[c] = Math.exp(logits[c] - max);
            sum += logits[c];
        }
        float[] scores = new float[logits.length];
        for (int c = 0; c < logits.length; c++) {
            scores[c] = (float) (logits[c] / sum);
        }
        return scores;
    }

    /** The most likely class of {@code x} (the first of equals); {@code logits} is scratch space, one per class. */
    public int top1(float[] x, double[] logits) {
        logits(x, logits);
        int best = 0;
        for (int c = 1; c < logits.length; c++) {
            if (logits[c] > logits[best]) {
                best = c;
            }
        }
        return best;
    }

    /** The index of the highest of {@code scores} (the first of equal ones): the predicted class. */
    public static int argMax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The indices of the {@code k} highest {@code scores}, highest first (equal scores in class order). */
    public static int[] topK(float[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
        return Arrays.stream(order)
                .limit(Math.max(0, k))
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
