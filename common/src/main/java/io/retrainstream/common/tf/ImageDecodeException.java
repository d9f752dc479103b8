package io.retrainstream.common.tf;

/** Bytes that TensorFlow cannot decode as an image; the message gives TensorFlow's reason. */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The exception for a TensorFlow run that failed on an input image, with the first line of TensorFlow's reason. */
    public static ImageDecodeException fromTensorFlow(RuntimeException e) {
        return new ImageDecodeException(
                "TensorFlow cannot decode the image: " + FeatureExtractor.firstLine(e.getMessage()), e);
    }
}
