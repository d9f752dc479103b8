package io.retrainstream.trainer.model;

/**
 * The outcome of one training run.
 *
 * @param weights            row-major {@code [bottleneckSize][classes]}
 * @param biases             one per class
 * @param trainAccuracy      on the last training batch
 * @param crossEntropy       on the last training batch
 * @param validationAccuracy on the last validation batch
 * @param validationCount    images in that batch
 * @param testAccuracy       on the whole test set (NaN when it is empty)
 * @param testCount          images in the test set
 */
public record TrainedHead(float[] weights, float[] biases, double trainAccuracy, double crossEntropy,
        double validationAccuracy, int validationCount, double testAccuracy, int testCount) {
}
