package io.retrainstream.common.tf;

/** An image refused before decoding because its header declares more pixels than the configured budget. */
public class ImageTooLargeException extends ImageDecodeException {
    public ImageTooLargeException(String message) {
        super(message, null);
    }
}
