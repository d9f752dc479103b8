package io.retrainstream.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.retrainstream.common.tf.SoftmaxHead;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** The head's Java arithmetic is the graph's ({@link SoftmaxHead}). */
class HeadTest {

    private static final List<String> LABELS = List.of("a", "b", "c");

    @Test
    void softmaxIsTheGraphsSoftmax() {
        Random random = new Random(7);
        int size = 5;
        float[] weights = new float[size * LABELS.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        Head head = new Head(LABELS, FeatureLayer.BOTTLENECK, weights, new float[] {0.1f, -0.2f, 0.3f});
        float[] x = {0.5f, 0f, -1.5f, 2f, 0.25f};
        float[] scores = head.softmax(x);
        try (Graph graph = new Graph();
                Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> softmax =
                    SoftmaxHead.addInference(tf, tf.constant(new float[][] {x}), head, SoftmaxHead.FINAL_TENSOR_NAME);
            try (Result result = session.runner().fetch(softmax).run()) {
                TFloat32 want = (TFloat32) result.get(0);
                for (int c = 0; c < LABELS.size(); c++) {
                    assertThat(scores[c]).isCloseTo(want.getFloat(0, c), offset(1e-6f));
                }
            }
        }
        double[] logits = new double[3];
        int best = head.top1(x, logits);
        assertThat(Head.topK(scores, 3)[0]).isEqualTo(best);
        assertThat(scores[Head.topK(scores, 3)[0]]).isGreaterThanOrEqualTo(scores[Head.topK(scores, 3)[1]]);
    }

    @Test
    void argMaxIsTheHighestScoreAndTheFirstOfEqualOnes() {
        assertThat(Head.argMax(new float[] {0.2f, 0.5f, 0.2f, 0.1f})).isEqualTo(1);
        assertThat(Head.argMax(new float[] {0.4f, 0.1f, 0.4f})).isEqualTo(0);
        assertThat(Head.argMax(new float[] {0.1f, 0.3f, 0.6f})).isEqualTo(2);
        assertThat(Head.argMax(new float[] {0.3f, 0.3f, 0.6f, 0.6f}))
                .isEqualTo(Head.topK(new float[] {0.3f, 0.3f, 0.6f, 0.6f}, 1)[0]);
    }

    @Test
    void topKIsHighestFirstWithEqualScoresInClassOrder() {
        assertThat(Head.topK(new float[] {0.2f, 0.5f, 0.2f, 0.1f}, 3)).containsExactly(1, 0, 2);
        assertThat(Head.topK(new float[] {0.2f, 0.8f}, 5)).containsExactly(1, 0);
    }

    @Test
    void refusesWeightsThatDoNotFitTheClasses() {
        assertThatThrownBy(() -> new Head(LABELS, FeatureLayer.BOTTLENECK, new float[7], new float[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMirroredHeadAnswersTheMeanOfItsSoftmaxOverThePhotoAndItsMirror() {
        float[] weights = {1f, -1f, 0.5f, 2f, 0f, -0.5f};
        float[] biases = {0.1f, 0f, -0.1f};
        Head plain = new Head(LABELS, FeatureLayer.POOLED, weights, biases);
        Head mirrored = new Head(LABELS, FeatureLayer.POOLED, weights, biases, List.of(View.ORIGINAL, View.MIRROR));
        float[] photo = {0.3f, -1.2f};
        float[] mirror = {1.5f, 0.4f};
        Features features = new Features(new float[] {9f}, photo, mirror);

        float[] a = plain.softmax(photo);
        float[] b = plain.softmax(mirror);
        float[] mean = mirrored.softmax(features);
        for (int c = 0; c < LABELS.size(); c++) {
            assertThat(mean[c]).isCloseTo((a[c] + b[c]) / 2, offset(1e-6f));
        }
        assertThat(plain.softmax(features)).containsExactly(a);
        // a photo whose mirror was not computed is answered on itself
        assertThat(mirrored.softmax(new Features(new float[] {9f}, photo))).containsExactly(a);
        assertThat(mirrored.mirrored()).isTrue();
        assertThat(plain.mirrored()).isFalse();
        assertThat(plain.views()).containsExactly(View.ORIGINAL);
    }

    @Test
    void onlyAPooledHeadHasViews() {
        float[] weights = new float[6];
        float[] biases = new float[3];
        assertThatThrownBy(() ->
                        new Head(LABELS, FeatureLayer.BOTTLENECK, weights, biases, List.of(View.ORIGINAL, View.MIRROR)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only a head on the pooled layer has views");
        assertThatThrownBy(() -> new Head(LABELS, FeatureLayer.MIRROR, weights, biases))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void viewsParseWithAnErrorThatSaysWhatToWrite() {
        assertThat(View.parse(null)).isEqualTo(View.ORIGINAL_ONLY);
        assertThat(View.parse(" ")).isEqualTo(View.ORIGINAL_ONLY);
        assertThat(View.parse("mirror, original")).containsExactly(View.ORIGINAL, View.MIRROR);
        assertThat(View.parse("ORIGINAL,original")).containsExactly(View.ORIGINAL);
        assertThat(View.mirrored(View.parse("original,mirror"))).isTrue();
        assertThat(View.ids(View.parse("original,mirror"))).containsExactly("original", "mirror");
        assertThatThrownBy(() -> View.parse("original,flipped"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown view 'flipped': use original or original,mirror");
        assertThatThrownBy(() -> View.parse("mirror"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leave out the photo itself");
    }
}
