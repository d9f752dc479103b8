package io.retrainstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.retrainstream.common.testing.Csv;
import io.retrainstream.common.testing.SharedData;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parity with {@code retrain.py}'s {@code which_set}, on vectors computed with its own Python. */
class SplitRuleTest {

    private static final SplitRule SPLIT_10_10 = new SplitRule(10, 10);
    private static final SplitRule SPLIT_20_5 = new SplitRule(20, 5);

    static List<Map<String, String>> vectors() {
        return Csv.readWithHeader(SharedData.testdata("split-vectors.csv"));
    }

    static Stream<Arguments> rows() {
        return vectors().stream()
                .map(row -> Arguments.of(
                        row.get("file_name"),
                        Double.parseDouble(row.get("percentage_hash")),
                        row.get("split_10_10"),
                        row.get("split_20_5")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rows")
    void matchesRetrainPy(String fileName, double percentageHash, String split1010, String split205) {
        assertThat(SplitRule.percentageHash(fileName))
                .as("percentage hash of %s", fileName)
                .isCloseTo(percentageHash, within(1e-6));
        assertThat(SPLIT_10_10.assign(fileName).id())
                .as("10/10 set of %s", fileName)
                .isEqualTo(split1010);
        assertThat(SPLIT_20_5.assign(fileName).id())
                .as("20/5 set of %s", fileName)
                .isEqualTo(split205);
    }

    @Test
    void theVectorsAreAllReadAndCoverTheAwkwardNames() {
        List<Map<String, String>> vectors = vectors();
        assertThat(vectors).hasSizeGreaterThan(200);
        assertThat(vectors).allSatisfy(row -> assertThat(row.get("file_name")).isNotEmpty());
        assertThat(vectors)
                .extracting(row -> row.get("file_name"))
                .contains(
                        "photo with spaces.jpeg",
                        "naïve-café.jpg",
                        "日本語.png",
                        "leaf01_nohash_1.jpg",
                        "UPPER_NOHASH_1.jpg");
        // every set shows up in both splits, so the comparison above means something
        for (String column : List.of("split_10_10", "split_20_5")) {
            assertThat(vectors)
                    .extracting(row -> row.get(column))
                    .as(column)
                    .containsAll(
                            Arrays.stream(DataSet.values()).map(DataSet::id).toList());
        }
    }

    @Test
    void setIdsAreRetrainPysNames() {
        assertThat(Arrays.stream(DataSet.values()).map(DataSet::id))
                .containsExactly("training", "validation", "testing");
    }

    @Test
    void nohashSuffixIsIgnored() {
        assertThat(SplitRule.percentageHash("leaf01_nohash_0.jpg"))
                .isEqualTo(SplitRule.percentageHash("leaf01_nohash_1.jpg"))
                .isEqualTo(SplitRule.percentageHash("leaf01"));
        // the match is case-sensitive, as in retrain.py
        assertThat(SplitRule.percentageHash("leaf01_NOHASH_0.jpg")).isNotEqualTo(SplitRule.percentageHash("leaf01"));
    }

    @Test
    void aPathPrefixHashesTheBaseName() {
        for (String name : List.of("10172567486_2748826a8b.jpg", "leaf01_nohash_2.jpg", "日本語.png")) {
            double bare = SplitRule.percentageHash(name);
            assertThat(SplitRule.percentageHash("daisy/" + name)).as(name).isEqualTo(bare);
            assertThat(SplitRule.percentageHash("/data/flower_photos/daisy/" + name))
                    .as(name)
                    .isEqualTo(bare);
            assertThat(SPLIT_10_10.assign("roses/" + name)).isEqualTo(SPLIT_10_10.assign(name));
        }
        // the folder must not leak into the hash: a _nohash_ in a folder name changes nothing
        assertThat(SplitRule.percentageHash("x_nohash_y/a.jpg")).isEqualTo(SplitRule.percentageHash("a.jpg"));
    }

    @Test
    void hashesStayInRange() {
        assertThat(vectors()).allSatisfy(row -> assertThat(SplitRule.percentageHash(row.get("file_name")))
                .isBetween(0.0, 100.0));
    }

    @Test
    void invalidPercentagesAreRefusedNamingTheValues() {
        assertThatThrownBy(() -> new SplitRule(-1, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1.0")
                .hasMessageContaining("10.0");
        assertThatThrownBy(() -> new SplitRule(10, -2.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0")
                .hasMessageContaining("-2.5");
        assertThatThrownBy(() -> new SplitRule(60, 50))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("60.0")
                .hasMessageContaining("50.0")
                .hasMessageContaining("100");
    }

    @Test
    void edgePercentagesAreAllowed() {
        assertThat(new SplitRule(0, 0).assign("a.jpg")).isEqualTo(DataSet.TRAINING);
        assertThat(new SplitRule(100, 0).assign("a.jpg")).isEqualTo(DataSet.VALIDATION);
        assertThat(new SplitRule(0, 100).assign("a.jpg")).isEqualTo(DataSet.TESTING);
        assertThat(SplitRule.DEFAULT).isEqualTo(SPLIT_10_10);
    }
}
