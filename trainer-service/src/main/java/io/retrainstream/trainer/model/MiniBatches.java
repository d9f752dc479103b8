package io.retrainstream.trainer.model;

/**
 * When and how {@link io.retrainstream.trainer.data.TrainingMode#IMPROVED improved} training goes mini-batch ({@link MiniBatchTraining}): from
 * {@code fromTraining} training vectors on, each strength trains at most {@code epochs} passes over the set, and the L2
 * strength is chosen on an evenly spread sample of at most {@code searchImages} training vectors before the chosen one
 * trains on them all, at {@code learningRateScale} times the run's learning rate (Adam's steps on a batch are noisier
 * than on the whole set). Smaller sets train full-batch as before.
 *
 * @param fromTraining      the fewest training vectors that train in mini-batches
 * @param epochs            most passes over the training set per strength
 * @param searchImages      most training vectors each strength of the L2 search trains on
 * @param learningRateScale the mini-batch learning rate as a fraction of the run's {@code learning_rate}
 */
public record MiniBatches(int fromTraining, int epochs, int searchImages, double learningRateScale) {

    /** Never mini-batch: every set trains full-batch. */
    public static final MiniBatches NEVER = new MiniBatches(Integer.MAX_VALUE, 1, 1, 1);

    public MiniBatches {
        if (fromTraining < 1 || epochs < 1 || searchImages < 1 || !(learningRateScale > 0 && learningRateScale <= 1)) {
            throw new IllegalArgumentException("trainer.large-sets: mini-batch-from, epochs and l2-search-images must"
                    + " be positive and mini-batch-learning-rate-scale in (0, 1], got " + fromTraining + ", " + epochs
                    + ", " + searchImages + " and " + learningRateScale);
        }
    }

    /** Whether a set of {@code trainingVectors} trains in mini-batches. */
    boolean applies(int trainingVectors) {
        return trainingVectors >= fromTraining;
    }
}
