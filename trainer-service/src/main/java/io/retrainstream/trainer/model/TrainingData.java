package io.retrainstream.trainer.model;

import java.util.List;

import io.retrainstream.common.DataSet;

/**
 * Bottlenecks of one run as dense arrays, per set: row-major vectors and class indices.
 *
 * @param labels         class labels in class-index order
 * @param bottleneckSize length of every vector
 * @param training       the training set
 * @param validation     the validation set
 * @param testing        the test set
 */
public record TrainingData(List<String> labels, int bottleneckSize, Split training, Split validation, Split testing) {

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

    public static TrainingData of(List<String> labels, List<LabelledBottleneck> images) {
        int size = images.isEmpty() ? 0 : images.get(0).vector().length;
        return new TrainingData(List.copyOf(labels), size, split(labels, images, DataSet.TRAINING, size),
                split(labels, images, DataSet.VALIDATION, size), split(labels, images, DataSet.TESTING, size));
    }

    private static Split split(List<String> labels, List<LabelledBottleneck> images, DataSet set, int size) {
        List<LabelledBottleneck> selected = images.stream()
                .filter(image -> image.dataSet() == set && labels.contains(image.label())
                        && image.vector().length == size)
                .toList();
        float[] vectors = new float[selected.size() * size];
        int[] classes = new int[selected.size()];
        for (int i = 0; i < selected.size(); i++) {
            System.arraycopy(selected.get(i).vector(), 0, vectors, i * size, size);
            classes[i] = labels.indexOf(selected.get(i).label());
        }
        return new Split(vectors, classes, selected.stream().map(LabelledBottleneck::imageId).toList());
    }
}
