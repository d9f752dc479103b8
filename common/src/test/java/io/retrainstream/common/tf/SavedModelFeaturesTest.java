package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Features;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.testing.TestModules;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Signature;

/**
 * A small image feature-vector module the test exports with TensorFlow Java: {@code [N, 6, 6, 3]} in [0, 1] ->
 * per-channel mean -> times a variable matrix -> {@code [N, 2]}, under a {@code serving_default} signature.
 */
class SavedModelFeaturesTest {

    @Test
    void theServingSignatureGivesTheBottleneckOfImagesScaledToZeroOne(@TempDir Path dir) throws IOException {
        Path module = TestModules.featureVector(dir.resolve("feature_vector"), Signature.DEFAULT_KEY);
        try (SavedModelFeatures features = new SavedModelFeatures(module, 2)) {
            assertThat(features.architecture().name()).isEqualTo("savedmodel:feature_vector");
            assertThat(features.architecture().inputSize()).isEqualTo(6);
            assertThat(features.architecture().bottleneckSize()).isEqualTo(2);
            features.warmUp();
            List<Features> out = features.extract(List.of(
                    TestModules.png(new Color(255, 51, 7)),
                    TestModules.png(new Color(0, 102, 200)),
                    TestModules.png(new Color(51, 0, 0))));
            assertThat(out.get(0).bottleneck()).containsExactly(new float[] {1f, 0.4f}, Offset.offset(1e-5f));
            assertThat(out.get(1).bottleneck()).containsExactly(new float[] {0f, 0.8f}, Offset.offset(1e-5f));
            assertThat(out.get(2).bottleneck()).containsExactly(new float[] {0.2f, 0f}, Offset.offset(1e-5f));
            assertThat(out.get(2).pooled()).isEqualTo(out.get(2).bottleneck());

            byte[] photo = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
            float[] daisy = features.extract(photo).bottleneck();
            assertThat(daisy).hasSize(2);
            assertThat(daisy[0]).isBetween(0f, 1f);
            assertThat(daisy[1]).isBetween(0f, 2f);
            assertThatThrownBy(() -> features.extract("not an image".getBytes()))
                    .isInstanceOf(ImageDecodeException.class);
        }
    }

    @Test
    void aSavedModelWithoutServingSignatureIsRefusedNamingTheFolder(@TempDir Path dir) throws IOException {
        Path module = TestModules.featureVector(dir.resolve("no_serving"), "something_else");
        assertThatThrownBy(() -> new SavedModelFeatures(module, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(module.toString())
                .hasMessageContaining("no 'serving_default' signature");
    }

    @Test
    void aFolderWithoutSavedModelIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("saved_model.pb"), "garbage");
        assertThatThrownBy(() -> new SavedModelFeatures(dir.resolve("missing"), 1))
                .hasMessageContaining(dir.resolve("missing").toString())
                .hasMessageContaining("no saved_model.pb");
        assertThatThrownBy(() -> new SavedModelFeatures(dir, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot load SavedModel " + dir);
    }
}
