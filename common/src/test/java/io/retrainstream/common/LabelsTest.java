package io.retrainstream.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.testing.Csv;
import io.retrainstream.common.testing.SharedData;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parity with {@code retrain.py}'s {@code re.sub(r'[^a-z0-9]+', ' ', dir_name.lower())}. */
class LabelsTest {

    static List<Map<String, String>> vectors() {
        return Csv.readWithHeader(SharedData.testdata("label-vectors.csv"));
    }

    static Stream<Arguments> rows() {
        return vectors().stream().map(row -> Arguments.of(row.get("folder_name"), row.get("label")));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("rows")
    void matchesRetrainPy(String folderName, String label) {
        assertThat(Labels.normalize(folderName)).isEqualTo(label);
    }

    @Test
    void theVectorsKeepTheirSpaces() {
        assertThat(vectors())
                .hasSizeGreaterThanOrEqualTo(8)
                .anySatisfy(row -> assertThat(row.get("folder_name")).isEqualTo("  tulips  "))
                .anySatisfy(row -> assertThat(row.get("folder_name")).isEqualTo("Crème Brûlée"));
    }

    @Test
    void alreadyNormalLabelsAreUnchanged() {
        for (String label : List.of("daisy", "dandelion", "roses", "sunflowers", "tulips")) {
            assertThat(Labels.normalize(label)).isEqualTo(label);
        }
    }
}
