package io.retrainstream.common.tf;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.retrainstream.common.model.FeatureLayer;
import java.util.List;

/**
 * The body of the extractor's {@code POST /distorted-bottlenecks}: the images by SHA-256 of their bytes, the
 * distortions by {@code retrain.py} name, the seed of the random draws (image {@code i} takes the {@code i}-th draw
 * of {@code new Random(seed)}) and the feature layer to return.
 *
 * @param images           SHA-256 (hex) of each image's bytes, in the order of the reply's rows
 * @param flipLeftRight    {@code flip_left_right}
 * @param randomCrop       {@code random_crop} percentage
 * @param randomScale      {@code random_scale} percentage
 * @param randomBrightness {@code random_brightness} percentage
 * @param seed             seed of the draws
 * @param layer            {@code bottleneck} or {@code pooled}
 */
public record DistortionRequest(
        @JsonProperty("images") List<String> images,
        @JsonProperty("flip_left_right") boolean flipLeftRight,
        @JsonProperty("random_crop") int randomCrop,
        @JsonProperty("random_scale") int randomScale,
        @JsonProperty("random_brightness") int randomBrightness,
        @JsonProperty("seed") long seed,
        @JsonProperty("layer") String layer) {

    /** The distortions, checked. */
    public Distortions distortions() {
        return new Distortions(flipLeftRight, randomCrop, randomScale, randomBrightness);
    }

    /** The feature layer, {@code bottleneck} when absent. */
    public FeatureLayer featureLayer() {
        return FeatureLayer.of(layer);
    }
}
