package io.retrainstream.trainer.service;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.PromotionDecision;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a candidate head replaces the serving model: both are scored on the same images, the current test
 * split, and the candidate is published unless it is worse by more than the tolerance. A candidate with another set
 * of classes, or on another architecture, is always published (the old model cannot answer the new question); so is
 * the first model. Each head answers as the classifier will, with {@code Head.softmax(Features)}: the mean over its
 * views that an image has (a head with the mirror view on an image whose mirror was not kept: the image alone).
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

    /**
     * A candidate to score: the architecture it was trained on and its head (row-major {@code [size][classes]}), with
     * the views it answers the mean over.
     */
    public record Head(
            String architecture,
            FeatureLayer layer,
            List<String> labels,
            float[] weights,
            float[] biases,
            List<View> views) {

        /** A head on the photo alone. */
        public Head(String architecture, FeatureLayer layer, List<String> labels, float[] weights, float[] biases) {
            this(architecture, layer, labels, weights, biases, View.ORIGINAL_ONLY);
        }

        static Head of(ModelPublished model) {
            return new Head(
                    model.architecture(),
                    model.featureLayer(),
                    model.labels(),
                    model.weights(),
                    model.biases(),
                    model.viewList());
        }

        /** The head's values and arithmetic. */
        io.retrainstream.common.model.Head head() {
            return new io.retrainstream.common.model.Head(labels, layer, weights, biases, views);
        }
    }

    /**
     * Scores both heads in one pass over {@code images} (each read once, none kept: a snapshot decodes an image when
     * it is read, and a large test split does not fit the heap twice).
     */
    public PromotionDecision decide(
            Head candidate, Optional<ModelPublished> serving, List<LabelledBottleneck> images, SplitRule rule) {
        ModelPublished current = serving.orElse(null);
        boolean sameClasses =
                current != null && new HashSet<>(current.labels()).equals(new HashSet<>(candidate.labels()));
        boolean sameArchitecture = current != null && current.architecture().equals(candidate.architecture());
        Scores scores = Scores.of(candidate, sameClasses && sameArchitecture ? Head.of(current) : null, images, rule);
        Double candidateAccuracy = scores.candidate();
        int count = scores.count();
        if (current == null) {
            return new PromotionDecision(true, "the first model", candidateAccuracy, null, null, count, tolerance);
        }
        if (!sameClasses) {
            return new PromotionDecision(
                    true,
                    "the classes changed from " + current.labels() + " to " + candidate.labels(),
                    candidateAccuracy,
                    current.version(),
                    null,
                    count,
                    tolerance);
        }
        if (!sameArchitecture) {
            return new PromotionDecision(
                    true,
                    "the architecture changed from " + current.architecture() + " to " + candidate.architecture(),
                    candidateAccuracy,
                    current.version(),
                    null,
                    count,
                    tolerance);
        }
        Double servingAccuracy = scores.serving();
        if (candidateAccuracy == null || servingAccuracy == null) {
            return new PromotionDecision(
                    true,
                    count == 0
                            ? "there are no test images to compare on"
                            : "the serving model's features are missing for some test images",
                    candidateAccuracy,
                    current.version(),
                    servingAccuracy,
                    count,
                    tolerance);
        }
        boolean published = candidateAccuracy >= servingAccuracy - tolerance - 1e-9;
        String reason = String.format(
                "test accuracy %.1f%% vs %.1f%% of serving version %d (N=%d, tolerance %.1f " + "points)",
                candidateAccuracy * 100, servingAccuracy * 100, current.version(), count, tolerance * 100);
        return new PromotionDecision(
                published,
                (published ? "not worse: " : "worse: ") + reason,
                candidateAccuracy,
                current.version(),
                servingAccuracy,
                count,
                tolerance);
    }

    /**
     * Top-1 accuracies on the test images; an accuracy is null when there are none or a vector is missing.
     *
     * @param count the test images
     */
    private record Scores(int count, Double candidate, Double serving) {

        /** @param serving the second head to score, or null */
        static Scores of(Head candidate, Head serving, List<LabelledBottleneck> images, SplitRule rule) {
            Counter first = new Counter(candidate.head());
            Counter second = serving == null ? null : new Counter(serving.head());
            int count = 0;
            for (LabelledBottleneck image : images) {
                if (rule.assign(image.fileName()) != DataSet.TESTING) {
                    continue;
                }
                count++;
                first.add(image);
                if (second != null) {
                    second.add(image);
                }
            }
            return new Scores(count, first.accuracy(count), second == null ? null : second.accuracy(count));
        }
    }

    /** One head's correct answers, and whether a vector it takes was missing. */
    private static final class Counter {
        private final io.retrainstream.common.model.Head head;
        private final double[] logits;
        private int correct;
        private boolean missing;

        Counter(io.retrainstream.common.model.Head head) {
            this.head = head;
            this.logits = new double[head.classes()];
        }

        void add(LabelledBottleneck image) {
            Features features = image.features();
            float[] x = features.of(head.layer());
            if (x == null || x.length != head.size()) {
                missing = true;
            } else if (head.mirrored() && features.hasMirror()) {
                // the mean over the views, as the classifier answers (a wrong-width mirror is refused there too)
                if (features.mirror().length != head.size()) {
                    missing = true;
                } else if (head.labels()
                        .get(io.retrainstream.common.model.Head.argMax(head.softmax(features)))
                        .equals(image.label())) {
                    correct++;
                }
            } else if (head.labels().get(head.top1(x, logits)).equals(image.label())) {
                correct++;
            }
        }

        Double accuracy(int count) {
            return count == 0 || missing ? null : (double) correct / count;
        }
    }
}
