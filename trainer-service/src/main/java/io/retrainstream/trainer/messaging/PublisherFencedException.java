package io.retrainstream.trainer.messaging;

/** This trainer may no longer publish: another trainer took its {@code transactional.id} over and publishes now. */
public class PublisherFencedException extends IllegalStateException {

    public PublisherFencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
