package io.retrainstream.trainer.model;

import io.retrainstream.trainer.data.TrainedHead;

/** The wording of the training's progress lines, as {@code retrain.py} prints them. */
final class ProgressLines {

    private ProgressLines() {}

    static String step(TrainedHead.Evaluation e) {
        return String.format(
                "Step %d: Train accuracy = %s, Cross entropy = %.6f, Validation accuracy = %s (N=%d)",
                e.step(),
                percent(e.trainAccuracy()),
                e.crossEntropy(),
                Double.isNaN(e.validationAccuracy()) ? "n/a" : percent(e.validationAccuracy()),
                e.validationCount());
    }

    static String percent(double fraction) {
        return String.format("%.1f%%", fraction * 100);
    }
}
