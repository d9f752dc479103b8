package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureGraphSizesTest {

    @Test
    void buildsOnePowersOfFourAndTheLargestBatch() {
        assertThat(FeatureGraph.batchSizes(1)).containsExactly(1);
        assertThat(FeatureGraph.batchSizes(4)).containsExactly(1, 4);
        assertThat(FeatureGraph.batchSizes(8)).containsExactly(1, 4, 8);
        assertThat(FeatureGraph.batchSizes(16)).containsExactly(1, 4, 16);
        assertThat(FeatureGraph.batchSizes(32)).containsExactly(1, 4, 16, 32);
        assertThatThrownBy(() -> FeatureGraph.batchSizes(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void padsARunOnlyWhenLittleOfItIsWasted() {
        List<Integer> sizes = FeatureGraph.batchSizes(16);
        assertThat(FeatureGraph.runs(sizes, 1)).containsExactly(1);
        assertThat(FeatureGraph.runs(sizes, 3)).containsExactly(3);
        assertThat(FeatureGraph.runs(sizes, 2)).containsExactly(1, 1);
        assertThat(FeatureGraph.runs(sizes, 8)).containsExactly(4, 4);
        assertThat(FeatureGraph.runs(sizes, 10)).containsExactly(4, 4, 1, 1);
        assertThat(FeatureGraph.runs(sizes, 12)).containsExactly(12);
        assertThat(FeatureGraph.runs(sizes, 11)).containsExactly(4, 4, 3);
        assertThat(FeatureGraph.runs(sizes, 16)).containsExactly(16);
        assertThat(FeatureGraph.runs(sizes, 35)).containsExactly(16, 16, 3);
        assertThat(FeatureGraph.runs(sizes, 0)).isEmpty();
    }

    @Test
    void everyRunFitsABuiltSizeAndTheRunsCoverTheImagesInOrder() {
        List<Integer> sizes = FeatureGraph.batchSizes(32);
        for (int count = 1; count <= 100; count++) {
            List<Integer> runs = FeatureGraph.runs(sizes, count);
            assertThat(runs.stream().mapToInt(Integer::intValue).sum()).isEqualTo(count);
            assertThat(runs).allMatch(run -> run >= 1 && run <= 32);
        }
    }
}
