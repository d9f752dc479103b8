package io.retrainstream.trainer.data;

import io.retrainstream.common.model.Head;
import java.util.List;

/**
 * The outcome of one training run.
 *
 * @param weights            row-major {@code [bottleneckSize][classes]}
 * @param biases             one per class
 * @param trainAccuracy      on the last (retrain mode) or chosen (improved mode) evaluation step
 * @param crossEntropy       training cross entropy at that step
 * @param validationAccuracy validation accuracy at that step
 * @param validationCount    images it was measured on
 * @param testAccuracy       on the test images (NaN when there are none)
 * @param testCount          test images evaluated
 * @param curve              every evaluation step of the kept training
 * @param chosen             what was kept and why, e.g. the L2 strength and step chosen on validation
 * @param testRows           the rows of the test set evaluated, in order
 * @param testScores         softmax scores of each evaluated test row
 * @param l2                 the L2 strength of the kept weights (improved mode); null in the retrain mode
 */
public record TrainedHead(
        float[] weights,
        float[] biases,
        double trainAccuracy,
        double crossEntropy,
        double validationAccuracy,
        int validationCount,
        double testAccuracy,
        int testCount,
        List<Evaluation> curve,
        String chosen,
        int[] testRows,
        float[][] testScores,
        Float l2) {

    /** This head as the start of the next training; {@code labels} are the ones it was trained on, in order. */
    public WarmStart warmStart(List<String> labels) {
        return new WarmStart(labels, weights, biases, l2);
    }

    /**
     * One evaluation step: training accuracy and cross entropy, validation accuracy and cross entropy on N images.
     * Step -1 is a warm start's head before any step.
     */
    public record Evaluation(
            int step,
            double trainAccuracy,
            double crossEntropy,
            double validationAccuracy,
            double validationCrossEntropy,
            int validationCount) {}

    /** Top-1 accuracy on the evaluated test images whose true class {@code classes} accepts (NaN for none). */
    public double testAccuracy(TrainingData data, java.util.function.IntPredicate classes) {
        int right = 0;
        int count = 0;
        for (int i = 0; i < testRows.length; i++) {
            int truth = data.testing().classes()[testRows[i]];
            if (classes.test(truth)) {
                count++;
                right += Head.argMax(testScores[i]) == truth ? 1 : 0;
            }
        }
        return count == 0 ? Double.NaN : (double) right / count;
    }
}
