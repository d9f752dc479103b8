package io.retrainstream.extractor.service;

/** An image record that cannot be used; the message is the reason written to the dead-letter topic. */
public class RejectedImageException extends RuntimeException {
    public RejectedImageException(String reason) {
        super(reason);
    }
}
