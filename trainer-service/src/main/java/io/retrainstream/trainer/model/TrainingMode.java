package io.retrainstream.trainer.model;

import java.util.Arrays;
import java.util.Locale;

/** How the head is trained. */
public enum TrainingMode {
    /** {@code retrain.py} exactly: its bottleneck, plain gradient descent on class-balanced random batches. */
    RETRAIN,
    /**
     * The default: the pooled features, full-batch Adam with L2 (strength chosen on validation), keeping the weights
     * of the evaluation step with the best validation accuracy.
     */
    IMPROVED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TrainingMode of(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mode must be one of " + Arrays.stream(values()).map(TrainingMode::id)
                    .toList() + ", got '" + id + "'", e);
        }
    }
}
