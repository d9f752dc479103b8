package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * inception_v3's graph decodes JPEGs itself and takes the scaled pixels at {@code Mul}; the real graph is not
 * available offline, so this test builds a tiny graph of the same shape (JPEG decode -> ... -> {@code Mul} -> pool ->
 * {@code pool_3/_reshape} of {@code [1, C]}) and checks that the feature graph feeds its own preprocessing at
 * {@code Mul}, skips the graph's decoder, and runs it on batches.
 */
class InceptionContractTest {

    @Test
    void theCnnIsFedAtMulAndRunsOnBatches(@TempDir Path dir) throws IOException {
        Architecture inception = Architecture.of("inception_v3");
        Architecture tiny = new Architecture(
                inception.name(),
                "",
                inception.graphFile(),
                inception.downloadUrl(),
                inception.inputTensor(),
                inception.bottleneckTensor(),
                3,
                inception.pooledTensor(),
                3,
                8,
                inception.inputMean(),
                inception.inputStd());
        Path graphFile = dir.resolve(tiny.graphFile());
        Files.write(graphFile, inceptionShapedGraph());

        try (FeatureExtractor extractor = new FeatureExtractor(tiny, graphFile, 2)) {
            List<Features> features =
                    extractor.extract(List.of(png(new Color(200, 100, 50)), png(new Color(0, 128, 255))));
            assertThat(features.get(0).bottleneck())
                    .containsExactly(new float[] {72 / 128f, -28 / 128f, -78 / 128f}, Offset.offset(1e-5f));
            assertThat(features.get(1).bottleneck())
                    .containsExactly(new float[] {-1f, 0f, 127 / 128f}, Offset.offset(1e-5f));
            assertThat(features.get(1).pooled()).isEqualTo(features.get(1).bottleneck());
        }
    }

    /** DecodeJpeg/contents -> DecodeJpeg -> Cast -> ExpandDims -> ResizeBilinear -> Sub -> Mul -> mean -> reshape. */
    private static byte[] inceptionShapedGraph() {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TString> contents = tf.withSubScope("DecodeJpeg")
                    .withName("contents")
                    .placeholder(TString.class, Placeholder.shape(Shape.scalar()));
            Operand<TUint8> decoded = tf.withName("DecodeJpeg").image.decodeJpeg(contents);
            Operand<TFloat32> pixels = tf.expandDims(tf.dtypes.cast(decoded, TFloat32.class), tf.constant(0));
            Operand<TFloat32> resized = tf.image.resizeBilinear(pixels, tf.constant(new int[] {8, 8}));
            Operand<TFloat32> centred = tf.math.sub(resized, tf.constant(128f));
            Operand<TFloat32> mul = tf.withName("Mul").math.mul(centred, tf.constant(1 / 128f));
            Operand<TFloat32> pooled = tf.math.mean(mul, tf.constant(new int[] {1, 2}));
            tf.withName("pool_3_reshape").reshape(pooled, tf.constant(new int[] {1, 3}));
            // TF Java's names cannot start a segment with '_'; rename the output to inception's own name
            GraphDef.Builder def = graph.toGraphDef().toBuilder();
            for (NodeDef.Builder node : def.getNodeBuilderList()) {
                if (node.getName().equals("pool_3_reshape")) {
                    node.setName("pool_3/_reshape");
                }
            }
            return def.build().toByteArray();
        }
    }

    private static byte[] png(Color color) {
        BufferedImage image = new BufferedImage(5, 7, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 5; x++) {
                image.setRGB(x, y, color.getRGB());
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
