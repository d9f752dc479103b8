package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FeatureRowsTest {

    @Test
    void roundTripsAndChecksItsHeader() {
        byte[] bytes = FeatureRows.encode(new float[][] {{1f, -2.5f, 3f}, {0f, Float.MIN_VALUE, 7f}}, 3);
        assertThat(bytes).hasSize(8 + 24);
        assertThat(FeatureRows.decode(bytes, 2, 3)).containsExactly(1f, -2.5f, 3f, 0f, Float.MIN_VALUE, 7f);
        assertThatThrownBy(() -> FeatureRows.decode(bytes, 3, 3)).hasMessageContaining("Expected 3 rows of 3");
        assertThatThrownBy(() -> FeatureRows.decode(java.util.Arrays.copyOf(bytes, 20), 2, 3))
                .hasMessageContaining("need 32 bytes");
        assertThatThrownBy(() -> FeatureRows.decode(new byte[3], 2, 3)).hasMessageContaining("header");
        assertThatThrownBy(() -> FeatureRows.encode(new float[][] {{1f}}, 2)).hasMessageContaining("A row of 1");
    }
}
