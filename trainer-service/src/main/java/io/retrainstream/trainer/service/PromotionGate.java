package io.retrainstream.trainer.service;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.PromotionDecision;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a candidate head replaces the serving model: both are scored on the same images, the current test
 * split, and the candidate is published unless it is worse by more than the tolerance. A candidate with another set
 * of classes, or on another architecture, is always published (the old model cannot answer the new question); so is
 * the first model.
 */
public final class PromotionGate {

    private final double tolerance;

    /** @param tolerance how far (a fraction, 0.01 = one point) below the serving model a candidate may score */
    public PromotionGate(double tolerance) {
        if (!(tolerance >= 0 && tolerance <= 1)) {
            throw new IllegalArgumentException("promotion tolerance must be between 0 and 1, got " + tolerance);
        }
        this.tolerance = tolerance;
    }

    /** A candidate to score: the architecture it was trained on and its head (row-major {@code [size][classes]}). */
    public record Head(String architecture, FeatureLayer layer, List<String> labels, float[] weights, float[] biases) {

        static Head of(ModelPublished model) {
            return new Head(
                    model.architecture(), model.featureLayer(), model.labels(), model.weights(), model.biases());
        }

        /** The head's values and arithmetic. */
        io.retrainstream.common.model.Head head() {
            return new io.retrainstream.common.model.Head(labels, layer, weights, biases);
        }
    }

    public PromotionDecision decide(
            Head candidate, Optional<ModelPublished> serving, List<LabelledBottleneck> images, SplitRule rule) {
        List<LabelledBottleneck> test = images.stream()
                .filter(i -> rule.assign(i.fileName()) == DataSet.TESTING)
                .toList();
        Double candidateAccuracy = accuracy(candidate, test);
        if (serving.isEmpty()) {
            return new PromotionDecision(
                    true, "the first model", candidateAccuracy, null, null, test.size(), tolerance);
        }
        ModelPublished current = serving.get();
        if (!new HashSet<>(current.labels()).equals(new HashSet<>(candidate.labels()))) {
            return new PromotionDecision(
                    true,
                    "the classes changed from " + current.labels() + " to " + candidate.labels(),
                    candidateAccuracy,
                    current.version(),
                    null,
                    test.size(),
                    tolerance);
        }
        if (!current.architecture().equals(candidate.architecture())) {
            return new PromotionDecision(
                    true,
                    "the architecture changed from " + current.architecture() + " to " + candidate.architecture(),
                    candidateAccuracy,
                    current.version(),
                    null,
                    test.size(),
                    tolerance);
        }
        Double servingAccuracy = accuracy(Head.of(current), test);
        if (candidateAccuracy == null || servingAccuracy == null) {
            return new PromotionDecision(
                    true,
                    test.isEmpty()
                            ? "there are no test images to compare on"
                            : "the serving model's features are missing for some test images",
                    candidateAccuracy,
                    current.version(),
                    servingAccuracy,
                    test.size(),
                    tolerance);
        }
        boolean published = candidateAccuracy >= servingAccuracy - tolerance - 1e-9;
        String reason = String.format(
                "test accuracy %.1f%% vs %.1f%% of serving version %d (N=%d, tolerance %.1f " + "points)",
                candidateAccuracy * 100, servingAccuracy * 100, current.version(), test.size(), tolerance * 100);
        return new PromotionDecision(
                published,
                (published ? "not worse: " : "worse: ") + reason,
                candidateAccuracy,
                current.version(),
                servingAccuracy,
                test.size(),
                tolerance);
    }

    /** Top-1 accuracy of {@code candidate} on {@code images}; null when there are none or a vector is missing. */
    static Double accuracy(Head candidate, List<LabelledBottleneck> images) {
        if (images.isEmpty()) {
            return null;
        }
        io.retrainstream.common.model.Head head = candidate.head();
        int correct = 0;
        double[] logits = new double[head.classes()];
        for (LabelledBottleneck image : images) {
            float[] x = image.features().of(head.layer());
            if (x == null || x.length != head.size()) {
                return null;
            }
            if (head.labels().get(head.top1(x, logits)).equals(image.label())) {
                correct++;
            }
        }
        return (double) correct / images.size();
    }
}
