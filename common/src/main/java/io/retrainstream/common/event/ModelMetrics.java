package io.retrainstream.common.event;

/**
 * How a published model was trained and how well it did.
 *
 * @param runId              the trainer's run that produced it
 * @param steps              training steps run
 * @param learningRate       learning rate used
 * @param trainingImages     images in the training set
 * @param trainAccuracy      accuracy on the last training batch
 * @param validationAccuracy accuracy on the last validation batch
 * @param validationCount    images in that validation batch
 * @param testAccuracy       accuracy on the whole test set
 * @param testCount          images in the test set
 * @param trainingMillis     wall time of the training run
 * @param datasetFingerprint identifies the set of images the model was trained on
 * @param l2                 L2 strength the improved mode chose (the next warm start reuses it); null otherwise
 * @param learnedThrough     epoch ms of the newest training image event the model learned from (0: unknown)
 * @param newImageTimes      epoch ms of the events of the training images no earlier published model learned from
 *                           (a sample when there are very many); classifiers measure freshness with them
 * @param trainingMirrors    training rows of mirror views besides the {@code trainingImages} photos' own (0 for a head
 *                           on the photo alone, and in events written before views existed)
 */
public record ModelMetrics(
        long runId,
        int steps,
        double learningRate,
        int trainingImages,
        double trainAccuracy,
        double validationAccuracy,
        int validationCount,
        double testAccuracy,
        int testCount,
        long trainingMillis,
        String datasetFingerprint,
        Double l2,
        long learnedThrough,
        long[] newImageTimes,
        int trainingMirrors) {

    public ModelMetrics {
        newImageTimes = newImageTimes == null ? new long[0] : newImageTimes;
    }

    /** Metrics of a head trained on the photos alone. */
    public ModelMetrics(
            long runId,
            int steps,
            double learningRate,
            int trainingImages,
            double trainAccuracy,
            double validationAccuracy,
            int validationCount,
            double testAccuracy,
            int testCount,
            long trainingMillis,
            String datasetFingerprint,
            Double l2,
            long learnedThrough,
            long[] newImageTimes) {
        this(
                runId,
                steps,
                learningRate,
                trainingImages,
                trainAccuracy,
                validationAccuracy,
                validationCount,
                testAccuracy,
                testCount,
                trainingMillis,
                datasetFingerprint,
                l2,
                learnedThrough,
                newImageTimes,
                0);
    }

    /** Metrics without warm-start and freshness information. */
    public ModelMetrics(
            long runId,
            int steps,
            double learningRate,
            int trainingImages,
            double trainAccuracy,
            double validationAccuracy,
            int validationCount,
            double testAccuracy,
            int testCount,
            long trainingMillis,
            String datasetFingerprint) {
        this(
                runId,
                steps,
                learningRate,
                trainingImages,
                trainAccuracy,
                validationAccuracy,
                validationCount,
                testAccuracy,
                testCount,
                trainingMillis,
                datasetFingerprint,
                null,
                0,
                new long[0],
                0);
    }
}
