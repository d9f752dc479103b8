package io.retrainstream.common.model;

import java.util.Arrays;
import java.util.Locale;

/** Which of a CNN's layers a head is trained on. */
public enum FeatureLayer {
    /** {@code retrain.py}'s bottleneck: for MobileNet the 1001 ImageNet logits. */
    BOTTLENECK,
    /** The pooled image features before the ImageNet classifier (MobileNet: {@code AvgPool_1a}). */
    POOLED,
    /**
     * {@link #POOLED} of the image mirrored left to right: the second {@link View} of a photo, computed only where
     * {@code retrain.views} asks for it. A head never reads it alone: a head on {@code POOLED} with the mirror among
     * its views learns from both and answers the mean of their softmax.
     */
    MIRROR;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FeatureLayer of(String id) {
        if (id == null || id.isBlank()) {
            return BOTTLENECK;
        }
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Unknown feature layer '" + id + "': use one of "
                            + Arrays.stream(values()).map(FeatureLayer::id).toList(),
                    e);
        }
    }
}
