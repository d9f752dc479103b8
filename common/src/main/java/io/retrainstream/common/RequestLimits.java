package io.retrainstream.common;

/**
 * Bounds on what one HTTP request may ask of a service, shared by the trainer (which checks a run's options) and the
 * extractor (which checks the distortion requests the trainer sends it).
 */
public final class RequestLimits {

    /**
     * Largest {@code random_crop} and {@code random_scale} percentage: with both at the bound, an image is resized to at
     * most 4 times the CNN's input size per side before its crop.
     */
    public static final int MAX_DISTORTION_PERCENT = 100;
    /** Most images one distortion request may name; also the largest {@code train_batch_size}. */
    public static final int MAX_DISTORTED_IMAGES = 10_000;

    private RequestLimits() {}
}
