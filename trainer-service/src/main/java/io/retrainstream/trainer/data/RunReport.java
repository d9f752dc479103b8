package io.retrainstream.trainer.data;

import io.retrainstream.common.Freshness;
import io.retrainstream.common.model.Head;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a finished run measured, as the trainer's API returns it.
 *
 * @param parameters      the run's parameters by {@code retrain.py} name
 * @param architecture    the CNN the features came from
 * @param feature         the feature layer the head was trained on
 * @param images          training, validation and test images (photos); with the mirror view, also the rows of
 *                        their mirrors ({@code training_mirrors}, …), which training and validation learn and
 *                        measure on as rows of their own, and the test averages with their photo's
 * @param curve           every evaluation step of the kept training
 * @param chosen          what was kept, chosen on validation only
 * @param testAccuracy    final test accuracy (null without test images)
 * @param testCount       N of the test accuracy
 * @param labels          class labels in class-index order
 * @param confusion       {@code confusion[true][predicted]} counts on the test images
 * @param classes         precision and recall per class
 * @param hitRate         share of test images whose top-1 is right (as the Inception sample names it)
 * @param meanScoreHits   mean top-1 score of the right answers
 * @param meanScoreMisses mean top-1 score of the wrong answers
 * @param misclassified   each wrong test image with what it was taken for
 * @param timingsMillis   wall time of each phase
 * @param start           {@code cold}, or the version a warm start began from
 * @param promotion       the promotion gate's decision (null until it decided)
 * @param freshness       how long the training images no earlier published model learned from waited for this
 *                        model's publication (null when rejected); classifiers report the wait until serving
 */
public record RunReport(
        Map<String, Object> parameters,
        String architecture,
        String feature,
        Map<String, Integer> images,
        List<TrainedHead.Evaluation> curve,
        String chosen,
        Double testAccuracy,
        int testCount,
        List<String> labels,
        int[][] confusion,
        List<ClassScore> classes,
        Double hitRate,
        Double meanScoreHits,
        Double meanScoreMisses,
        List<Misclassified> misclassified,
        Map<String, Long> timingsMillis,
        String start,
        PromotionDecision promotion,
        Freshness freshness) {

    /** This report with what happened after training. */
    public RunReport with(String start, PromotionDecision promotion, Freshness freshness) {
        return copy(parameters, start, promotion, freshness);
    }

    /** This report with {@code extra} entries after its parameters (e.g. how the steps were chosen). */
    public RunReport withParameters(Map<String, Object> extra) {
        Map<String, Object> merged = new LinkedHashMap<>(parameters);
        merged.putAll(extra);
        return copy(merged, start, promotion, freshness);
    }

    private RunReport copy(
            Map<String, Object> parameters, String start, PromotionDecision promotion, Freshness freshness) {
        return new RunReport(
                parameters,
                architecture,
                feature,
                images,
                curve,
                chosen,
                testAccuracy,
                testCount,
                labels,
                confusion,
                classes,
                hitRate,
                meanScoreHits,
                meanScoreMisses,
                misclassified,
                timingsMillis,
                start,
                promotion,
                freshness);
    }

    /** Precision and recall of one class on the test images; null where undefined (nothing predicted / present). */
    public record ClassScore(String label, Double precision, Double recall, int support) {}

    /** A test image the head got wrong. */
    public record Misclassified(String imageId, String label, String predicted, double score) {}

    public static RunReport of(
            TrainingParams params,
            String architecture,
            TrainingData data,
            TrainedHead head,
            Map<String, Long> timingsMillis) {
        List<String> labels = data.labels();
        int classes = labels.size();
        int[][] confusion = new int[classes][classes];
        List<Misclassified> misclassified = new ArrayList<>();
        double hitScores = 0;
        double missScores = 0;
        int hits = 0;
        int[] rows = head.testRows();
        for (int i = 0; i < rows.length; i++) {
            float[] scores = head.testScores()[i];
            int truth = data.testing().classes()[rows[i]];
            int predicted = Head.argMax(scores);
            confusion[truth][predicted]++;
            if (truth == predicted) {
                hits++;
                hitScores += scores[predicted];
            } else {
                missScores += scores[predicted];
                misclassified.add(new Misclassified(
                        data.testing().ids().get(rows[i]),
                        labels.get(truth),
                        labels.get(predicted),
                        scores[predicted]));
            }
        }
        List<ClassScore> perClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            int predictedAs = 0;
            int present = 0;
            for (int k = 0; k < classes; k++) {
                predictedAs += confusion[k][c];
                present += confusion[c][k];
            }
            perClass.add(new ClassScore(
                    labels.get(c),
                    predictedAs == 0 ? null : confusion[c][c] / (double) predictedAs,
                    present == 0 ? null : confusion[c][c] / (double) present,
                    present));
        }
        int misses = rows.length - hits;
        Map<String, Integer> images = new LinkedHashMap<>();
        images.put("training", data.training().photos());
        images.put("validation", data.validation().photos());
        images.put("testing", data.testing().photos());
        if (data.mirrored()) {
            images.put("training_mirrors", data.training().mirrorRows());
            images.put("validation_mirrors", data.validation().mirrorRows());
            images.put("testing_mirrors", data.testing().mirrorRows());
        }
        return new RunReport(
                params.asMap(),
                architecture,
                data.layer().id(),
                images,
                head.curve(),
                head.chosen(),
                Double.isNaN(head.testAccuracy()) ? null : head.testAccuracy(),
                head.testCount(),
                labels,
                confusion,
                perClass,
                rows.length == 0 ? null : hits / (double) rows.length,
                hits == 0 ? null : hitScores / hits,
                misses == 0 ? null : missScores / misses,
                misclassified,
                timingsMillis,
                "cold",
                null,
                null);
    }
}
