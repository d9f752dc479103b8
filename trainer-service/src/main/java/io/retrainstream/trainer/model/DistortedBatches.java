package io.retrainstream.trainer.model;

/**
 * Bottlenecks of freshly distorted copies of training images ({@code retrain.py}'s distortions), computed elsewhere
 * (the extractor). Called from a background thread while the previous step trains.
 */
@FunctionalInterface
public interface DistortedBatches {

    /**
     * Row-major {@code [rows.length * bottleneckSize]} vectors of distorted copies of the training set's images at
     * {@code rows}, drawn with {@code seed}.
     */
    float[] fetch(int[] rows, long seed);
}
