package io.retrainstream.trainer.data;

/**
 * What the promotion gate decided about a candidate head.
 *
 * @param published         whether the candidate is (to be) published
 * @param reason            why, in one sentence
 * @param candidateAccuracy the candidate's accuracy on the test split (null when not measured)
 * @param servingVersion    the model compared with (null for none)
 * @param servingAccuracy   its accuracy on the same images (null when not compared)
 * @param testCount         N of both accuracies
 * @param tolerance         the tolerance applied
 */
public record PromotionDecision(
        boolean published,
        String reason,
        Double candidateAccuracy,
        Long servingVersion,
        Double servingAccuracy,
        int testCount,
        double tolerance) {}
