package io.retrainstream.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.PromotionDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromotionGateTest {

    private static final String ARCHITECTURE = "mobilenet_0.25_128";
    private static final List<String> LABELS = List.of("a", "b");
    private static final SplitRule RULE = new SplitRule(10, 10);

    /** Feature 0 says "a", feature 1 says "b". */
    private static final float[] RIGHT = {1, 0, 0, 1};
    /** The same head with its answers swapped. */
    private static final float[] WRONG = {0, 1, 1, 0};

    private final List<LabelledBottleneck> images = images();

    @Test
    void rejectsACandidateWorseThanTheServingModelOnTheTestSplit() {
        PromotionDecision decision =
                new PromotionGate(0.01).decide(head(WRONG, LABELS), Optional.of(serving(RIGHT)), images, RULE);
        assertThat(decision.published()).isFalse();
        assertThat(decision.candidateAccuracy()).isZero();
        assertThat(decision.servingAccuracy()).isEqualTo(1.0);
        assertThat(decision.servingVersion()).isEqualTo(4);
        assertThat(decision.testCount())
                .isEqualTo(images.stream()
                        .filter(i -> RULE.assign(i.fileName()) == DataSet.TESTING)
                        .count())
                .isPositive();
        assertThat(decision.reason()).startsWith("worse: test accuracy 0.0% vs 100.0% of serving version 4");
    }

    @Test
    void publishesACandidateAsGoodAsTheServingModelOrWithinTheTolerance() {
        assertThat(new PromotionGate(0)
                        .decide(head(RIGHT, LABELS), Optional.of(serving(RIGHT)), images, RULE)
                        .published())
                .isTrue();
        assertThat(new PromotionGate(1)
                        .decide(head(WRONG, LABELS), Optional.of(serving(RIGHT)), images, RULE)
                        .published())
                .isTrue();
    }

    @Test
    void publishesTheFirstModelAndOneWithOtherClasses() {
        assertThat(new PromotionGate(0)
                        .decide(head(WRONG, LABELS), Optional.empty(), images, RULE)
                        .reason())
                .isEqualTo("the first model");
        PromotionDecision grown = new PromotionGate(0)
                .decide(
                        head(new float[] {0, 1, 0, 1, 0, 0}, List.of("a", "b", "c")),
                        Optional.of(serving(RIGHT)),
                        images,
                        RULE);
        assertThat(grown.published()).isTrue();
        assertThat(grown.reason()).isEqualTo("the classes changed from [a, b] to [a, b, c]");
    }

    /**
     * One pooled feature, {@code x W} with W = {1, -1}: a photo's own feature points to the wrong class and its
     * mirror's, three times as strongly, to the right one, so only the mean over both views is right.
     */
    private static List<LabelledBottleneck> mirroredImages(boolean withMirrors) {
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String label = LABELS.get(i % 2);
            float own = label.equals("a") ? -1 : 1;
            String file = label + i + ".jpg";
            images.add(new LabelledBottleneck(
                    label + "/" + i,
                    label,
                    file,
                    "h" + i,
                    RULE.assign(file),
                    new float[] {0},
                    new float[] {own},
                    i,
                    withMirrors ? new float[] {-3 * own} : null));
        }
        return images;
    }

    private static final float[] POOLED_WEIGHTS = {1, -1};

    private static ModelPublished pooledServing(List<View> views) {
        return new ModelPublished(
                4,
                ARCHITECTURE,
                "pooled",
                LABELS,
                1,
                POOLED_WEIGHTS,
                new float[2],
                new ModelMetrics(1, 1, 0.1, 1, 1, 1, 1, 1, 1, 1, "f"),
                0,
                View.ids(views));
    }

    private static PromotionGate.Head pooledHead(List<View> views) {
        return new PromotionGate.Head(ARCHITECTURE, FeatureLayer.POOLED, LABELS, POOLED_WEIGHTS, new float[2], views);
    }

    @Test
    void scoresEachHeadAsTheClassifierAnswersWithItsViews() {
        List<View> both = List.of(View.ORIGINAL, View.MIRROR);
        List<LabelledBottleneck> mirrored = mirroredImages(true);
        PromotionDecision better = new PromotionGate(0)
                .decide(pooledHead(both), Optional.of(pooledServing(View.ORIGINAL_ONLY)), mirrored, RULE);
        assertThat(better.candidateAccuracy()).isEqualTo(1.0);
        assertThat(better.servingAccuracy()).isZero();
        assertThat(better.published()).isTrue();
        PromotionDecision worse = new PromotionGate(0.5)
                .decide(pooledHead(View.ORIGINAL_ONLY), Optional.of(pooledServing(both)), mirrored, RULE);
        assertThat(worse.candidateAccuracy()).isZero();
        assertThat(worse.servingAccuracy()).isEqualTo(1.0);
        assertThat(worse.published()).isFalse();
        // photos whose mirror was not computed (events from before views): each head answers on the photo alone
        PromotionDecision alone = new PromotionGate(0)
                .decide(pooledHead(both), Optional.of(pooledServing(both)), mirroredImages(false), RULE);
        assertThat(alone.candidateAccuracy()).isZero();
        assertThat(alone.servingAccuracy()).isZero();
    }

    @Test
    void refusesANonsensicalTolerance() {
        assertThatThrownBy(() -> new PromotionGate(-0.1)).hasMessageContaining("between 0 and 1");
    }

    private static PromotionGate.Head head(float[] weights, List<String> labels) {
        return new PromotionGate.Head(ARCHITECTURE, FeatureLayer.BOTTLENECK, labels, weights, new float[labels.size()]);
    }

    private static ModelPublished serving(float[] weights) {
        return new ModelPublished(
                4,
                ARCHITECTURE,
                "bottleneck",
                LABELS,
                2,
                weights,
                new float[2],
                new ModelMetrics(1, 1, 0.1, 1, 1, 1, 1, 1, 1, 1, "f"),
                0);
    }

    private static List<LabelledBottleneck> images() {
        List<LabelledBottleneck> images = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String label = LABELS.get(i % 2);
            float[] vector = label.equals("a") ? new float[] {1, 0} : new float[] {0, 1};
            String file = label + i + ".jpg";
            images.add(new LabelledBottleneck(
                    label + "/" + i, label, file, "h" + i, RULE.assign(file), vector, new float[0], i));
        }
        return images;
    }
}
