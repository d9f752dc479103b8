package io.retrainstream.common.model;

/**
 * One image's features, the pair every service passes around: {@code retrain.py}'s bottleneck and the pooled features
 * before the CNN's own classifier (empty when not computed). Which one a model reads is its {@link FeatureLayer}.
 *
 * @param bottleneck {@code retrain.py}'s bottleneck values
 * @param pooled     the pooled features (empty when not computed)
 */
public record Features(float[] bottleneck, float[] pooled) {

    /** The vector of one layer. */
    public float[] of(FeatureLayer layer) {
        return layer == FeatureLayer.POOLED ? pooled : bottleneck;
    }
}
