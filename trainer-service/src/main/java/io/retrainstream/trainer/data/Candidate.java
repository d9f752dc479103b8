package io.retrainstream.trainer.data;

import java.util.List;

/** A head a training may keep: its weights and what training measured for them. */
public record Candidate(
        float[] weights,
        float[] biases,
        TrainedHead.Evaluation at,
        double validationEntropy,
        List<TrainedHead.Evaluation> curve,
        String chosen,
        Float l2) {

    /**
     * Lower validation cross entropy wins (on 66 validation images it is far steadier than accuracy, which moves in
     * steps of 1.5%), then higher validation accuracy; without a validation set, lower training cross entropy.
     */
    public boolean betterThan(Candidate other) {
        if (Double.isNaN(validationEntropy) || Double.isNaN(other.validationEntropy())) {
            return at.crossEntropy() < other.at().crossEntropy();
        }
        if (validationEntropy != other.validationEntropy()) {
            return validationEntropy < other.validationEntropy();
        }
        return at.validationAccuracy() > other.at().validationAccuracy();
    }
}
