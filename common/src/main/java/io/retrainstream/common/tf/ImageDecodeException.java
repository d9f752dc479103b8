package io.retrainstream.common.tf;

/** Bytes that TensorFlow cannot decode as an image; the message gives TensorFlow's reason. */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
