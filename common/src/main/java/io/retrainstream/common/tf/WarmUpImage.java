package io.retrainstream.common.tf;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A small PNG run through a new graph before it serves: TensorFlow optimises a graph and builds its executor on the
 * first run of each set of fetches, which would otherwise land on a real request or batch.
 */
public final class WarmUpImage {

    private static final byte[] PNG = encode();

    private WarmUpImage() {}

    public static byte[] png() {
        return PNG.clone();
    }

    private static byte[] encode() {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
