package io.retrainstream.trainer.data;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.model.FeatureLayer;
import java.util.List;

/**
 * Bottlenecks of one run as dense arrays, per set: row-major vectors and class indices.
 *
 * @param labels         class labels in class-index order
 * @param layer          which feature vector of each image the rows hold
 * @param bottleneckSize length of every vector
 * @param training       the training set
 * @param validation     the validation set
 * @param testing        the test set
 */
public record TrainingData(
        List<String> labels, FeatureLayer layer, int bottleneckSize, Split training, Split validation, Split testing) {

    /**
     * @param vectors row-major {@code [count][bottleneckSize]}
     * @param classes class index of each row
     * @param ids     image id of each row
     */
    public record Split(float[] vectors, int[] classes, List<String> ids) {
        public int count() {
            return classes.length;
        }
    }

    /** {@code retrain.py}'s bottlenecks, in the sets the store assigned. */
    public static TrainingData of(List<String> labels, List<LabelledBottleneck> images) {
        return of(labels, images, null, FeatureLayer.BOTTLENECK);
    }

    /**
     * The given layer's vectors, split by {@code rule} (null: the sets the store assigned). Images without that
     * layer's vector are left out.
     */
    public static TrainingData of(
            List<String> labels, List<LabelledBottleneck> images, SplitRule rule, FeatureLayer layer) {
        int size = images.stream()
                .mapToInt(image -> image.features().of(layer).length)
                .max()
                .orElse(0);
        return new TrainingData(
                List.copyOf(labels),
                layer,
                size,
                split(labels, images, rule, layer, DataSet.TRAINING, size),
                split(labels, images, rule, layer, DataSet.VALIDATION, size),
                split(labels, images, rule, layer, DataSet.TESTING, size));
    }

    /**
     * These data with at most {@code limit} of the training vectors, evenly spread (every class in proportion when
     * the rows are in id order); itself when within the limit.
     */
    public TrainingData withTraining(int limit) {
        int count = training.count();
        if (count <= limit) {
            return this;
        }
        float[] vectors = new float[limit * bottleneckSize];
        int[] classes = new int[limit];
        List<String> ids = new java.util.ArrayList<>(limit);
        for (int i = 0; i < limit; i++) {
            int row = (int) ((long) i * count / limit);
            System.arraycopy(training.vectors(), row * bottleneckSize, vectors, i * bottleneckSize, bottleneckSize);
            classes[i] = training.classes()[row];
            ids.add(training.ids().get(row));
        }
        return new TrainingData(
                labels, layer, bottleneckSize, new Split(vectors, classes, List.copyOf(ids)), validation, testing);
    }

    /** Whether every image has a vector of this layer. */
    public static boolean available(List<LabelledBottleneck> images, FeatureLayer layer) {
        return !images.isEmpty()
                && images.stream().allMatch(image -> image.features().of(layer).length > 0);
    }

    private static Split split(
            List<String> labels,
            List<LabelledBottleneck> images,
            SplitRule rule,
            FeatureLayer layer,
            DataSet set,
            int size) {
        List<LabelledBottleneck> selected = images.stream()
                .filter(image -> (rule == null ? image.dataSet() : rule.assign(image.fileName())) == set
                        && labels.contains(image.label())
                        && image.features().of(layer).length == size)
                .toList();
        float[] vectors = new float[selected.size() * size];
        int[] classes = new int[selected.size()];
        for (int i = 0; i < selected.size(); i++) {
            System.arraycopy(selected.get(i).features().of(layer), 0, vectors, i * size, size);
            classes[i] = labels.indexOf(selected.get(i).label());
        }
        return new Split(
                vectors,
                classes,
                selected.stream().map(LabelledBottleneck::imageId).toList());
    }
}
