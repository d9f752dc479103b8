package io.retrainstream.common.tf;

/**
 * A TensorFlow run that failed on its images for a reason other than their encoding (native memory exhausted, an
 * internal error): the images of that run fail, the runner goes on with the next.
 */
public class ImageRunException extends ImageDecodeException {
    public ImageRunException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The exception for a run that threw {@code failure}, naming it. */
    public static ImageRunException of(Throwable failure) {
        String what = failure instanceof OutOfMemoryError ? "ran out of memory" : "failed";
        return new ImageRunException(
                "TensorFlow " + what + " on this image (" + failure.getClass().getSimpleName() + ": "
                        + FeatureExtractor.firstLine(failure.getMessage()) + ")",
                failure);
    }
}
