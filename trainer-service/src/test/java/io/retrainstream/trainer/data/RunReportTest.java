package io.retrainstream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.retrainstream.common.DataSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunReportTest {

    private static LabelledBottleneck test(String id, String label) {
        return new LabelledBottleneck(id, label, id + ".jpg", id, DataSet.TESTING, new float[] {0f}, new float[0], 0L);
    }

    @Test
    void confusionPrecisionRecallHitsAndMissesFromTheTestScores() {
        List<LabelledBottleneck> images = List.of(
                new LabelledBottleneck("t", "a", "t.jpg", "t", DataSet.TRAINING, new float[] {0f}, new float[0], 0L),
                test("a1", "a"),
                test("a2", "a"),
                test("a3", "a"),
                test("b1", "b"));
        TrainingData data = TrainingData.of(List.of("a", "b"), images);
        float[][] scores = {{0.9f, 0.1f}, {0.6f, 0.4f}, {0.3f, 0.7f}, {0.2f, 0.8f}};
        TrainedHead head = new TrainedHead(
                new float[2],
                new float[2],
                1,
                0.1,
                1,
                1,
                0.75,
                4,
                List.of(),
                "last",
                new int[] {0, 1, 2, 3},
                scores,
                null);
        RunReport report = RunReport.of(TrainingParams.retrainPy(1), "arch", data, head, Map.of("total", 5L));

        assertThat(report.confusion()).isDeepEqualTo(new int[][] {{2, 1}, {0, 1}});
        assertThat(report.classes().get(0).precision()).isEqualTo(1.0);
        assertThat(report.classes().get(0).recall()).isCloseTo(2 / 3.0, offset(1e-9));
        assertThat(report.classes().get(1).precision()).isEqualTo(0.5);
        assertThat(report.classes().get(1).recall()).isEqualTo(1.0);
        assertThat(report.hitRate()).isEqualTo(0.75);
        assertThat(report.meanScoreHits()).isCloseTo((0.9 + 0.6 + 0.8) / 3, offset(1e-6));
        assertThat(report.meanScoreMisses()).isCloseTo(0.7, offset(1e-6));
        assertThat(report.misclassified()).containsExactly(new RunReport.Misclassified("a3", "a", "b", 0.7f));
        assertThat(report.testAccuracy()).isEqualTo(0.75);
    }
}
