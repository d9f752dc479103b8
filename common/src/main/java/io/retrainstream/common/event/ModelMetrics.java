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
 */
public record ModelMetrics(long runId, int steps, double learningRate, int trainingImages, double trainAccuracy,
        double validationAccuracy, int validationCount, double testAccuracy, int testCount, long trainingMillis,
        String datasetFingerprint) {
}
