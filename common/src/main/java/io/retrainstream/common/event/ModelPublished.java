package io.retrainstream.common.event;

import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.View;
import java.util.List;
import java.util.Objects;

/**
 * Published on {@code models} by the trainer after each finished run, keyed by version.
 *
 * @param version        monotonically increasing model version
 * @param architecture   the feature extractor whose bottlenecks the head was trained on
 * @param feature        the CNN layer the head takes as input ({@link FeatureLayer#id()})
 * @param labels         class labels in class-index order
 * @param bottleneckSize rows of {@code weights}
 * @param weights        head weights, row-major {@code [bottleneckSize][labels.size()]}
 * @param biases         head biases, one per class
 * @param metrics        how the model was trained and how well it does
 * @param publishedAt    epoch ms
 * @param views          the views of a photo the head averages over ({@link View#id()}; {@code [original]} for
 *                       events written before views existed)
 */
public record ModelPublished(
        long version,
        String architecture,
        String feature,
        List<String> labels,
        int bottleneckSize,
        float[] weights,
        float[] biases,
        ModelMetrics metrics,
        long publishedAt,
        List<String> views) {

    static final byte TYPE = 'M';

    public ModelPublished {
        Objects.requireNonNull(architecture, "architecture");
        feature = FeatureLayer.of(feature).id();
        views = View.ids(View.of(views));
        labels = List.copyOf(labels);
        if (weights.length != (long) bottleneckSize * labels.size() || biases.length != labels.size()) {
            throw new IllegalArgumentException("weights " + weights.length + " and biases " + biases.length
                    + " do not fit " + bottleneckSize + " x " + labels.size() + " classes");
        }
    }

    /** A model that reads the photo alone. */
    public ModelPublished(
            long version,
            String architecture,
            String feature,
            List<String> labels,
            int bottleneckSize,
            float[] weights,
            float[] biases,
            ModelMetrics metrics,
            long publishedAt) {
        this(
                version,
                architecture,
                feature,
                labels,
                bottleneckSize,
                weights,
                biases,
                metrics,
                publishedAt,
                View.ids(View.ORIGINAL_ONLY));
    }

    public byte[] encode() {
        float[] floats = new float[weights.length + biases.length];
        System.arraycopy(weights, 0, floats, 0, weights.length);
        System.arraycopy(biases, 0, floats, weights.length, biases.length);
        return EventFrame.write(
                TYPE,
                new Metadata(version, architecture, feature, labels, bottleneckSize, metrics, publishedAt, views),
                floats);
    }

    public static ModelPublished decode(byte[] bytes) {
        EventFrame.Decoded<Metadata> decoded = EventFrame.read(bytes, TYPE, Metadata.class);
        Metadata m = decoded.metadata();
        if (m.architecture() == null || m.labels() == null || m.labels().size() < 2 || m.bottleneckSize() <= 0) {
            throw new MalformedEventException("model event lacks architecture, labels (at least 2) or size");
        }
        if (m.labels().contains(null)) {
            throw new MalformedEventException("model " + m.version() + " has a null label: " + m.labels());
        }
        int classes = m.labels().size();
        long expected = (long) m.bottleneckSize() * classes + classes;
        if (decoded.floats().length != expected) {
            throw new MalformedEventException("model " + m.version() + " has " + decoded.floats().length
                    + " floats, expected " + expected + " for " + m.bottleneckSize() + " x " + classes);
        }
        float[] weights = new float[m.bottleneckSize() * classes];
        float[] biases = new float[classes];
        System.arraycopy(decoded.floats(), 0, weights, 0, weights.length);
        System.arraycopy(decoded.floats(), weights.length, biases, 0, classes);
        FeatureLayer feature;
        List<View> views;
        try {
            feature = FeatureLayer.of(m.feature());
            views = View.of(m.views());
            new Head(m.labels(), feature, weights, biases, views);
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("model " + m.version() + ": " + e.getMessage());
        }
        return new ModelPublished(
                m.version(),
                m.architecture(),
                feature.id(),
                m.labels(),
                m.bottleneckSize(),
                weights,
                biases,
                m.metrics(),
                m.publishedAt(),
                View.ids(views));
    }

    /** The record key on {@code models}: the version, zero-padded so keys sort like versions. */
    public String key() {
        return String.format("%012d", version);
    }

    /** The CNN layer the head takes as input. */
    public FeatureLayer featureLayer() {
        return FeatureLayer.of(feature);
    }

    /** The trained head this event carries. */
    public Head head() {
        return new Head(labels, featureLayer(), weights, biases, viewList());
    }

    /** The views of a photo the head averages over. */
    public List<View> viewList() {
        return View.of(views);
    }

    record Metadata(
            long version,
            String architecture,
            String feature,
            List<String> labels,
            int bottleneckSize,
            ModelMetrics metrics,
            long publishedAt,
            List<String> views) {}
}
