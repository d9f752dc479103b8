package io.retrainstream.trainer.data;

import java.util.Arrays;
import java.util.Locale;

/** How the head is trained. */
public enum TrainingMode {
    /** {@code retrain.py} exactly: its bottleneck, plain gradient descent on class-balanced random batches. */
    RETRAIN,
    /**
     * The default: the pooled features, standardised, full-batch Adam with L2, keeping the weights of the evaluation
     * step and L2 strength with the lowest validation cross entropy.
     */
    IMPROVED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TrainingMode of(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "mode must be one of "
                            + Arrays.stream(values()).map(TrainingMode::id).toList() + ", got '" + id + "'",
                    e);
        }
    }
}
