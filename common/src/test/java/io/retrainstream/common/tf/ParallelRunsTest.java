package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ParallelRunsTest {

    private static List<Integer> upTo(int count) {
        return IntStream.range(0, count).boxed().toList();
    }

    @Test
    void splitsIntoNearEqualConsecutiveParts() {
        ParallelRuns two = new ParallelRuns(2);
        assertThat(two.split(upTo(32))).extracting(List::size).containsExactly(16, 16);
        assertThat(two.split(upTo(17))).extracting(List::size).containsExactly(8, 9);
        assertThat(two.split(upTo(1))).containsExactly(List.of(0));
        assertThat(two.split(List.of())).isEmpty();
        assertThat(new ParallelRuns(3).split(upTo(10)))
                .containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6, 7, 8, 9));
        assertThat(ParallelRuns.ONE.split(upTo(5))).containsExactly(upTo(5));
    }

    @Test
    void oneRunKeepsTensorFlowsDefaultsAndParallelRunsUseOneThreadPerOp() {
        assertThat(ParallelRuns.ONE.sessionConfig().getIntraOpParallelismThreads())
                .isZero();
        assertThat(ParallelRuns.ONE.sessionConfig().getInterOpParallelismThreads())
                .isZero();
        var config = new ParallelRuns(2).sessionConfig();
        assertThat(config.getIntraOpParallelismThreads()).isEqualTo(1);
        assertThat(config.getInterOpParallelismThreads()).isEqualTo(2);
    }

    @Test
    void zeroMeansOnePerCore() {
        assertThat(ParallelRuns.orPerCore(0).runs())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(ParallelRuns.orPerCore(3).runs()).isEqualTo(3);
        assertThatThrownBy(() -> ParallelRuns.orPerCore(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
