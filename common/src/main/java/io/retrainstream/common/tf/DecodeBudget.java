package io.retrainstream.common.tf;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds the memory of images being decoded at once: each run takes the decode bytes of its images
 * ({@link ImageHeader#decodeBytes}) from a budget of {@link ImageLimits#maxDecodeBytes()} and gives them back when it
 * ends, so however many runs go in parallel, at most one image of the largest admitted size decodes at a time, while
 * small images share the budget freely. Images over the limits are refused before any run ({@link #check}).
 */
public final class DecodeBudget {

    /** Budget units of 1 KiB, so that a budget of many GB still fits a semaphore's int permits. */
    private static final int UNIT = 1024;

    private final ImageLimits limits;
    private final int minSide;
    private final int permits;
    private final Semaphore budget;

    /** @param minSide the CNN's input size, which sets a JPEG's decode scale */
    public DecodeBudget(ImageLimits limits, int minSide) {
        this.limits = limits;
        this.minSide = minSide;
        this.permits = (int) Math.min(Integer.MAX_VALUE, Math.max(1, limits.maxDecodeBytes() / UNIT));
        this.budget = new Semaphore(permits, true);
    }

    public ImageLimits limits() {
        return limits;
    }

    /** The decode bytes of each image, in order; throws for the first that is unreadable or over the limits. */
    public long[] check(List<byte[]> images) {
        long[] bytes = new long[images.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = limits.check(images.get(i), minSide).decodeBytes(minSide);
        }
        return bytes;
    }

    /** Whether an image of {@code bytes} should run alone rather than share a batch, so batches stay small. */
    public boolean large(long bytes, int maxBatch) {
        return bytes > limits.maxDecodeBytes() / (2L * Math.max(1, maxBatch));
    }

    /** Runs {@code work} once the budget holds {@code bytes} (at most the whole budget), then gives them back. */
    public <T> T run(long bytes, Supplier<T> work) {
        int units = (int) Math.min(permits, Math.max(1, (bytes + UNIT - 1) / UNIT));
        budget.acquireUninterruptibly(units);
        try {
            return work.get();
        } finally {
            budget.release(units);
        }
    }

    /**
     * {@code images} checked against the limits, then {@code work} run as one run holding their decode bytes; any
     * {@code Throwable} of the run (an {@code OutOfMemoryError} from native memory included) fails it as an
     * {@link ImageRunException}.
     */
    public <T> T runContained(List<byte[]> images, Supplier<T> work) {
        long bytes = 0;
        for (long each : check(images)) {
            bytes += each;
        }
        try {
            return run(bytes, work);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw FeatureExtractor.contained(e);
        }
    }
}
