package io.retrainstream.trainer.data;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import java.util.ArrayList;
import java.util.List;

/**
 * Bottlenecks of one run as dense arrays, per set: row-major vectors and class indices. With the mirror among the
 * {@code views}, a photo whose mirror was computed has a second row, its mirror's, right after its own (in the
 * photo's own set: the split hashes the photo's file name), so that training learns from both views as rows and the
 * test answers the mean of the head's softmax over a photo's rows, as {@code Head.softmax(Features)} does.
 *
 * @param labels         class labels in class-index order
 * @param layer          which feature vector of each image the rows hold
 * @param bottleneckSize length of every vector
 * @param training       the training set
 * @param validation     the validation set
 * @param testing        the test set
 * @param views          the views of a photo the rows hold and the head answers the mean over
 */
public record TrainingData(
        List<String> labels,
        FeatureLayer layer,
        int bottleneckSize,
        Split training,
        Split validation,
        Split testing,
        List<View> views) {

    public TrainingData {
        views = views == null || views.isEmpty() ? View.ORIGINAL_ONLY : List.copyOf(views);
    }

    /** Data of the photos alone (no mirror rows). */
    public TrainingData(
            List<String> labels,
            FeatureLayer layer,
            int bottleneckSize,
            Split training,
            Split validation,
            Split testing) {
        this(labels, layer, bottleneckSize, training, validation, testing, View.ORIGINAL_ONLY);
    }

    /**
     * @param vectors row-major {@code [count][bottleneckSize]}
     * @param classes class index of each row
     * @param ids     image id of each row (a mirror row has its photo's)
     * @param mirror  whether each row is a mirror view, which then follows its photo's own row; empty when no row is
     */
    public record Split(float[] vectors, int[] classes, List<String> ids, boolean[] mirror) {

        private static final boolean[] NO_MIRRORS = new boolean[0];

        public Split {
            mirror = mirror == null ? NO_MIRRORS : mirror;
            if (mirror.length != 0 && mirror.length != classes.length) {
                throw new IllegalArgumentException(
                        "a split of " + classes.length + " rows needs one mirror flag per row, got " + mirror.length);
            }
        }

        /** A split of photos alone, one row each. */
        public Split(float[] vectors, int[] classes, List<String> ids) {
            this(vectors, classes, ids, NO_MIRRORS);
        }

        /** Rows, mirror rows included. */
        public int count() {
            return classes.length;
        }

        /** Whether row {@code row} is the mirror view of the photo of the row before it. */
        public boolean isMirror(int row) {
            return mirror.length != 0 && mirror[row];
        }

        /** The row of the mirror view of the photo whose own row is {@code row}; -1 when it has none. */
        public int mirrorOf(int row) {
            return row + 1 < classes.length && isMirror(row + 1) ? row + 1 : -1;
        }

        /** Rows that are mirror views. */
        public int mirrorRows() {
            int rows = 0;
            for (boolean m : mirror) {
                rows += m ? 1 : 0;
            }
            return rows;
        }

        /** Photos: rows that are not mirror views. */
        public int photos() {
            return count() - mirrorRows();
        }

        /** The own rows of the photos (not the mirror views), ascending. */
        public int[] originals() {
            int[] rows = new int[photos()];
            int n = 0;
            for (int row = 0; row < classes.length; row++) {
                if (!isMirror(row)) {
                    rows[n++] = row;
                }
            }
            return rows;
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
        return of(labels, images, rule, layer, View.ORIGINAL_ONLY);
    }

    /**
     * As {@link #of(List, List, SplitRule, FeatureLayer)}, with a row for each of {@code views} an image has (the
     * mirror's right after the photo's own).
     *
     * @throws IllegalArgumentException when {@code views} hold the mirror and {@code layer} is not the pooled one
     */
    public static TrainingData of(
            List<String> labels,
            List<LabelledBottleneck> images,
            SplitRule rule,
            FeatureLayer layer,
            List<View> views) {
        checkViews(layer, views);
        int size = images.stream()
                .mapToInt(image -> image.features().of(layer).length)
                .max()
                .orElse(0);
        boolean mirrored = View.mirrored(views);
        return new TrainingData(
                List.copyOf(labels),
                layer,
                size,
                split(labels, images, rule, layer, DataSet.TRAINING, size, mirrored),
                split(labels, images, rule, layer, DataSet.VALIDATION, size, mirrored),
                split(labels, images, rule, layer, DataSet.TESTING, size, mirrored),
                views);
    }

    /** Refuses the mirror view on a layer other than the pooled one (only pooled features have views). */
    public static void checkViews(FeatureLayer layer, List<View> views) {
        if (View.mirrored(views) && layer != FeatureLayer.POOLED) {
            throw new IllegalArgumentException("The mirror view needs a head on the pooled features, not on the "
                    + layer.id() + " layer: use views original, or mode improved with pooled features");
        }
    }

    /**
     * These data with about {@code limit} of the training vectors, evenly spread over the photos (every class in
     * proportion when the rows are in id order); itself when within the limit. A photo keeps all its views' rows, so
     * that the sample learns each photo as the whole set does: as many photos are taken as the limit holds at the
     * set's rows per photo, and their rows are the limit give or take the share of mirrors among them (exactly the
     * limit, as before, without mirrors).
     */
    public TrainingData withTraining(int limit) {
        int count = training.count();
        if (count <= limit) {
            return this;
        }
        int[] originals = training.originals();
        int photos = Math.max(1, (int) ((long) limit * originals.length / count));
        List<Integer> rows = new ArrayList<>(limit);
        for (int i = 0; i < photos; i++) {
            int row = originals[(int) ((long) i * originals.length / photos)];
            rows.add(row);
            int mirror = training.mirrorOf(row);
            if (mirror >= 0) {
                rows.add(mirror);
            }
        }
        float[] vectors = new float[rows.size() * bottleneckSize];
        int[] classes = new int[rows.size()];
        boolean[] mirror = new boolean[training.mirror().length == 0 ? 0 : rows.size()];
        List<String> ids = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.get(i);
            System.arraycopy(training.vectors(), row * bottleneckSize, vectors, i * bottleneckSize, bottleneckSize);
            classes[i] = training.classes()[row];
            ids.add(training.ids().get(row));
            if (mirror.length != 0) {
                mirror[i] = training.isMirror(row);
            }
        }
        return new TrainingData(
                labels,
                layer,
                bottleneckSize,
                new Split(vectors, classes, List.copyOf(ids), mirror),
                validation,
                testing,
                views);
    }

    /** Whether the head answers the mean over the photo and its mirror. */
    public boolean mirrored() {
        return View.mirrored(views);
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
            int size,
            boolean mirrored) {
        List<LabelledBottleneck> selected = images.stream()
                .filter(image -> (rule == null ? image.dataSet() : rule.assign(image.fileName())) == set
                        && labels.contains(image.label())
                        && image.features().of(layer).length == size)
                .toList();
        int mirrors = mirrored
                ? (int) selected.stream()
                        .filter(image -> image.mirror().length == size)
                        .count()
                : 0;
        Rows rows = new Rows(size, selected.size() + mirrors, mirrored);
        for (LabelledBottleneck image : selected) {
            int c = labels.indexOf(image.label());
            rows.add(image.features().of(layer), c, image.imageId(), false);
            if (mirrored && image.mirror().length == size) {
                rows.add(image.mirror(), c, image.imageId(), true);
            }
        }
        return rows.split();
    }

    /** A split's rows as they are added, each photo's own row before its mirror's: exactly as many as announced. */
    public static final class Rows {
        private final int size;
        private final float[] vectors;
        private final int[] classes;
        private final boolean[] mirror;
        private final List<String> ids;
        private int count;

        /**
         * @param size     values per row
         * @param rows     how many rows will be added
         * @param mirrored whether mirror rows may be added
         */
        public Rows(int size, int rows, boolean mirrored) {
            this.size = size;
            this.vectors = new float[rows * size];
            this.classes = new int[rows];
            this.mirror = new boolean[mirrored ? rows : 0];
            this.ids = new ArrayList<>(rows);
        }

        /** Appends a row; returns its offset in {@link #vectors()} to write {@code size} values at. */
        public int add(int c, String id, boolean isMirror) {
            if (isMirror && mirror.length == 0) {
                throw new IllegalStateException("a split without mirror rows");
            }
            classes[count] = c;
            if (mirror.length != 0) {
                mirror[count] = isMirror;
            }
            ids.add(id);
            return count++ * size;
        }

        /** Appends a row holding {@code vector}. */
        public void add(float[] vector, int c, String id, boolean isMirror) {
            System.arraycopy(vector, 0, vectors, add(c, id, isMirror), size);
        }

        /** Where {@link #add(int, String, boolean)} writes. */
        public float[] vectors() {
            return vectors;
        }

        public Split split() {
            if (count != classes.length) {
                throw new IllegalStateException(count + " rows added of the " + classes.length + " announced");
            }
            boolean any = false;
            for (boolean m : mirror) {
                any |= m;
            }
            return new Split(vectors, classes, List.copyOf(ids), any ? mirror : null);
        }
    }
}
