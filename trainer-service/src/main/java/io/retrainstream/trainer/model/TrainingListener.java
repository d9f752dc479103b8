package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainedHead;

/**
 * Hears what {@link HeadTrainer} does as it goes. {@code run} names one training within a run: empty in the retrain
 * mode, the L2 strength (e.g. {@code l2_1e-03}) in the improved mode.
 */
public interface TrainingListener {

    TrainingListener NONE = new TrainingListener() {};

    /** One evaluation step. */
    default void evaluated(String run, TrainedHead.Evaluation evaluation) {}

    /** The head's weights every {@code intermediate_store_frequency} steps, for the raw features. */
    default void intermediate(String run, int step, float[] weights, float[] biases) {}
}
