package io.retrainstream.common.tf;

import java.util.Random;

/**
 * {@code retrain.py}'s training-image distortions ({@code add_input_distortions}), by its option names. For an input
 * of {@code S x S} pixels, each image draws (with {@code U(a, b)} uniform):
 * <ul>
 * <li>{@code scale = (1 + random_crop / 100) * U(1, 1 + random_scale / 100)}; the decoded image is resized
 * bilinearly to {@code P x P} with {@code P = floor(scale * S)};</li>
 * <li>an {@code S x S} crop at a uniformly random integer offset in {@code [0, P - S]} on each axis;</li>
 * <li>with {@code flip_left_right}, a left-right mirror with probability 1/2;</li>
 * <li>pixel values (0..255) times {@code U(1 - random_brightness / 100, 1 + random_brightness / 100)}, then clipped
 * to [0, 255] (the clip is ours: {@code retrain.py} lets brightened values exceed 255);</li>
 * </ul>
 * then the architecture's usual {@code (pixel - mean) / std}.
 *
 * @param flipLeftRight    mirror half the images left-right
 * @param randomCrop       margin percentage around the crop
 * @param randomScale      upper bound of the random up-scaling, in percent
 * @param randomBrightness brightness change bound, in percent (0..100)
 */
public record Distortions(boolean flipLeftRight, int randomCrop, int randomScale, int randomBrightness) {

    /** No distortion. */
    public static final Distortions NONE = new Distortions(false, 0, 0, 0);

    public Distortions {
        if (randomCrop < 0) {
            throw new IllegalArgumentException("random_crop must be 0 or a positive percentage, got " + randomCrop);
        }
        if (randomScale < 0) {
            throw new IllegalArgumentException("random_scale must be 0 or a positive percentage, got " + randomScale);
        }
        if (randomBrightness < 0 || randomBrightness > 100) {
            throw new IllegalArgumentException(
                    "random_brightness must be a percentage from 0 to 100, got " + randomBrightness);
        }
    }

    /** Whether any distortion is on. */
    public boolean any() {
        return flipLeftRight || randomCrop > 0 || randomScale > 0 || randomBrightness > 0;
    }

    /**
     * One image's random draw.
     *
     * @param precropSize side of the resized image before the crop ({@code >= S})
     * @param offsetY     first row of the crop
     * @param offsetX     first column of the crop
     * @param flip        mirror left-right
     * @param brightness  factor on the pixel values
     */
    public record Draw(int precropSize, int offsetY, int offsetX, boolean flip, float brightness) {

        /** The draw that changes nothing for an input of {@code size}. */
        public static Draw identity(int size) {
            return new Draw(size, 0, 0, false, 1f);
        }
    }

    /** Draws one image's distortion for an input of {@code size x size} pixels. */
    public Draw sample(Random random, int size) {
        double scale = (1 + randomCrop / 100.0) * (1 + random.nextDouble() * randomScale / 100.0);
        int precrop = Math.max(size, (int) (scale * size));
        int offsetY = random.nextInt(precrop - size + 1);
        int offsetX = random.nextInt(precrop - size + 1);
        boolean flip = flipLeftRight && random.nextBoolean();
        float brightness = (float) (1 + (2 * random.nextDouble() - 1) * randomBrightness / 100.0);
        return new Draw(precrop, offsetY, offsetX, flip, brightness);
    }
}
