package io.retrainstream.common.tf;

import java.util.Locale;

/**
 * The pixel budget an image must fit before TensorFlow decodes it ({@code retrain.max-image-pixels}): the header
 * ({@link ImageHeader}) is read first, and an image declaring more pixels, or needing more memory to decode than an
 * image of that many pixels, is refused with {@link ImageTooLargeException}.
 *
 * @param maxPixels the most pixels an image may have (for a GIF, its screen and frames together)
 */
public record ImageLimits(long maxPixels) {

    /**
     * 64 megapixels: admits the 48-50 MP photos of phone cameras (8160 x 6120, 8192 x 6144) with room to spare; such
     * a PNG decodes to 192 MB, which the services' memory is planned for.
     */
    public static final long DEFAULT_MAX_PIXELS = 64_000_000L;

    public static final ImageLimits DEFAULT = new ImageLimits(DEFAULT_MAX_PIXELS);

    public ImageLimits {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("max-image-pixels must be at least 1, got " + maxPixels);
        }
    }

    /** The most memory one image's decode may take: a {@link #maxPixels} image at 3 bytes a pixel. */
    public long maxDecodeBytes() {
        return ImageHeader.BYTES_PER_PIXEL * maxPixels;
    }

    /**
     * The header of {@code image} when its pixels fit the budget, whatever the CNN (the check a service makes before
     * it queues an image; the extractor that runs it checks {@link #check(byte[], int) all of it} again).
     */
    public ImageHeader checkPixels(byte[] image) {
        return check(image, 1);
    }

    /**
     * The header of {@code image} when it fits the budget for a CNN of {@code minSide} pixels; throws
     * {@link ImageTooLargeException} naming the size and the limit, or {@link ImageDecodeException} for bytes of no
     * readable image format.
     */
    public ImageHeader check(byte[] image, int minSide) {
        ImageHeader header = ImageHeader.read(image);
        String described = String.format(
                Locale.ROOT,
                "the %s image is %d x %d",
                header.format().toUpperCase(Locale.ROOT),
                header.width(),
                header.height());
        String limit = String.format(Locale.ROOT, " (retrain.max-image-pixels=%d)", maxPixels);
        if (header.pixels() > maxPixels) {
            String frames =
                    header.pixels() != (long) header.width() * header.height() ? " in its screen and frames" : "";
            throw new ImageTooLargeException(String.format(
                    Locale.ROOT,
                    "%s (%.1f megapixels%s), over the limit of %.1f megapixels%s",
                    described,
                    header.pixels() / 1e6,
                    frames,
                    maxPixels / 1e6,
                    limit));
        }
        long bytes = header.decodeBytes(minSide);
        if (bytes > maxDecodeBytes()) {
            throw new ImageTooLargeException(String.format(
                    Locale.ROOT,
                    "%s%s and would need %d MB to decode, over the %d MB of a %.1f-megapixel image%s",
                    described,
                    header.multiScan() ? " (progressive or multi-scan)" : "",
                    bytes / 1_000_000,
                    maxDecodeBytes() / 1_000_000,
                    maxPixels / 1e6,
                    limit));
        }
        return header;
    }
}
