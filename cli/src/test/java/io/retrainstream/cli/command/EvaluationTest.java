package io.retrainstream.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The figures and the suggested minimum score of {@code ./retrain evaluate}. */
class EvaluationTest {

    @Test
    void theThresholdKeepsTheMostHitsAndWeedsOutTheMostMisses() {
        // separable: halfway between the best miss and the worst hit
        assertThat(Evaluation.threshold(List.of(0.9, 0.8, 0.7), List.of(0.4, 0.5))
                        .getAsDouble())
                .isCloseTo(0.6, within(1e-9));
        // one miss above two hits: losing those two hits to weed out one miss does not pay; the cut stays below them
        assertThat(Evaluation.threshold(List.of(0.95, 0.6, 0.55), List.of(0.3, 0.7))
                        .getAsDouble())
                .isCloseTo(0.425, within(1e-9));
        // every miss above every hit: no cut does better than none
        assertThat(Evaluation.threshold(List.of(0.3, 0.4), List.of(0.9))).isEmpty();
        // nothing to weed out, or nothing to keep
        assertThat(Evaluation.threshold(List.of(0.9), List.of())).isEmpty();
        assertThat(Evaluation.threshold(List.of(), List.of(0.9))).isEmpty();
    }

    @Test
    void figuresPerLabelOverallAndLabelsTheModelDoesNotKnowApart() {
        Evaluation evaluation = new Evaluation(
                Set.of("daisy", "roses"),
                List.of(
                        new Evaluation.Answer("daisy/1.jpg", "daisy", "daisy", 0.9),
                        new Evaluation.Answer("daisy/2.jpg", "daisy", "roses", 0.5),
                        new Evaluation.Answer("roses/1.jpg", "roses", "roses", 0.8),
                        new Evaluation.Answer("roses/2.jpg", "roses", "roses", 0.7),
                        new Evaluation.Answer("orchids/1.jpg", "orchids", "roses", 0.6)));
        Map<String, Evaluation.Figures> perLabel = evaluation.perLabel();
        assertThat(perLabel).containsOnlyKeys("daisy", "roses");
        Evaluation.Figures daisy = perLabel.get("daisy");
        assertThat(daisy.count()).isEqualTo(2);
        assertThat(daisy.hitRate()).isEqualTo(0.5);
        assertThat(daisy.meanHits().getAsDouble()).isEqualTo(0.9);
        assertThat(daisy.meanMisses().getAsDouble()).isEqualTo(0.5);
        assertThat(daisy.threshold().getAsDouble()).isCloseTo(0.7, within(1e-9));
        assertThat(perLabel.get("roses").threshold()).isEmpty();
        Evaluation.Figures overall = evaluation.overall();
        assertThat(overall.count()).isEqualTo(4);
        assertThat(overall.hitRate()).isEqualTo(0.75);
        assertThat(overall.threshold().getAsDouble()).isCloseTo(0.6, within(1e-9));
        assertThat(evaluation.misses()).extracting(Evaluation.Answer::file).containsExactly("daisy/2.jpg");
        assertThat(evaluation.unknownLabels()).containsOnlyKeys("orchids");
        assertThat(Evaluation.format(daisy.meanHits())).isEqualTo("0.900");
        assertThat(Evaluation.format(perLabel.get("roses").threshold())).isEqualTo("-");
    }
}
