package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import io.retrainstream.common.testing.SharedData;

/**
 * A small image feature-vector module the test exports with TensorFlow Java: {@code [N, 6, 6, 3]} in [0, 1] ->
 * per-channel mean -> times a variable matrix -> {@code [N, 2]}, under a {@code serving_default} signature.
 */
class SavedModelFeaturesTest {

    /** Feature 0 is the red channel's mean, feature 1 twice the green one's. */
    private static final float[][] WEIGHTS = {{1, 0}, {0, 2}, {0, 0}};

    @Test
    void theServingSignatureGivesTheBottleneckOfImagesScaledToZeroOne(@TempDir Path dir) throws IOException {
        Path module = export(dir.resolve("feature_vector"), Signature.DEFAULT_KEY);
        try (SavedModelFeatures features = new SavedModelFeatures(module, 2)) {
            assertThat(features.architecture().name()).isEqualTo("savedmodel:feature_vector");
            assertThat(features.architecture().inputSize()).isEqualTo(6);
            assertThat(features.architecture().bottleneckSize()).isEqualTo(2);
            features.warmUp();
            List<FeatureExtractor.Features> out = features.extract(
                    List.of(png(new Color(255, 51, 7)), png(new Color(0, 102, 200)), png(new Color(51, 0, 0))));
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
        Path module = export(dir.resolve("no_serving"), "something_else");
        assertThatThrownBy(() -> new SavedModelFeatures(module, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(module.toString()).hasMessageContaining("no 'serving_default' signature");
    }

    @Test
    void aFolderWithoutSavedModelIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("saved_model.pb"), "garbage");
        assertThatThrownBy(() -> new SavedModelFeatures(dir.resolve("missing"), 1))
                .hasMessageContaining(dir.resolve("missing").toString()).hasMessageContaining("no saved_model.pb");
        assertThatThrownBy(() -> new SavedModelFeatures(dir, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot load SavedModel " + dir);
    }

    private static Path export(Path dir, String signatureKey) throws IOException {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, 6, 6, 3)));
            Operand<TFloat32> means = tf.math.mean(images, tf.constant(new int[] {1, 2}));
            Operand<TFloat32> weights = tf.withName("weights").variable(tf.constant(WEIGHTS));
            Operand<TFloat32> features = tf.withName("features").linalg.matMul(means, weights);
            session.initialize();
            Signature signature = Signature.builder(signatureKey).input("images", images)
                    .output("feature_vector", features).build();
            SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(signature, session)).export();
        }
        return dir;
    }

    private static byte[] png(Color color) throws IOException {
        BufferedImage image = new BufferedImage(9, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 9; x++) {
                image.setRGB(x, y, color.getRGB());
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        }
    }
}
