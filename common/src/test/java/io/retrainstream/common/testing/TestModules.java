package io.retrainstream.common.testing;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
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

/** SavedModel feature-vector modules and images that tests build themselves, offline. */
public final class TestModules {

    private static final float[][] WEIGHTS = {{1, 0}, {0, 2}, {0, 0}};

    private TestModules() {}

    /**
     * Exports a small image feature-vector module with TensorFlow Java: {@code [N, 6, 6, 3]} in [0, 1] -> per-channel
     * mean -> times a variable matrix -> {@code [N, 2]} (feature 0 the red mean, feature 1 twice the green mean),
     * under the signature {@code signatureKey}.
     */
    public static Path featureVector(Path dir, String signatureKey) throws IOException {
        try (Graph graph = new Graph();
                Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images =
                    tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 6, 6, 3)));
            Operand<TFloat32> means = tf.math.mean(images, tf.constant(new int[] {1, 2}));
            Operand<TFloat32> weights = tf.withName("weights").variable(tf.constant(WEIGHTS));
            Operand<TFloat32> features = tf.withName("features").linalg.matMul(means, weights);
            session.initialize();
            Signature signature = Signature.builder(signatureKey)
                    .input("images", images)
                    .output("feature_vector", features)
                    .build();
            SavedModelBundle.exporter(dir.toString())
                    .withFunction(SessionFunction.create(signature, session))
                    .export();
        }
        return dir;
    }

    /** A 9 x 4 PNG of one colour. */
    public static byte[] png(Color color) throws IOException {
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
