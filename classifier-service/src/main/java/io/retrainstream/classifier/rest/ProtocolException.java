package io.retrainstream.classifier.rest;

/** A request a protocol refuses before anything runs, with the reply it gets. */
class ProtocolException extends RuntimeException {

    private final Failure failure;

    ProtocolException(Failure failure) {
        super(failure.message());
        this.failure = failure;
    }

    static ProtocolException badRequest(String message) {
        return new ProtocolException(Failure.badRequest(message));
    }

    Failure failure() {
        return failure;
    }
}
