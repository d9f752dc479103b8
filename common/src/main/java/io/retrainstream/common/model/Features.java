package io.retrainstream.common.model;

/**
 * One image's features, what every service passes around: {@code retrain.py}'s bottleneck, the pooled features
 * before the CNN's own classifier, and the pooled features of its left-right mirror (each empty when not computed).
 * Which one a model reads is its {@link FeatureLayer}; which views it averages, its {@link View}s.
 *
 * @param bottleneck {@code retrain.py}'s bottleneck values
 * @param pooled     the pooled features (empty when not computed)
 * @param mirror     the pooled features of the mirrored image (empty when not computed)
 */
public record Features(float[] bottleneck, float[] pooled, float[] mirror) {

    private static final float[] NONE = new float[0];

    public Features {
        pooled = pooled == null ? NONE : pooled;
        mirror = mirror == null ? NONE : mirror;
    }

    /** Features without the mirror view. */
    public Features(float[] bottleneck, float[] pooled) {
        this(bottleneck, pooled, NONE);
    }

    /** The vector of one layer. */
    public float[] of(FeatureLayer layer) {
        return switch (layer) {
            case BOTTLENECK -> bottleneck;
            case POOLED -> pooled;
            case MIRROR -> mirror;
        };
    }

    /** Whether the mirror view was computed. */
    public boolean hasMirror() {
        return mirror.length > 0;
    }
}
