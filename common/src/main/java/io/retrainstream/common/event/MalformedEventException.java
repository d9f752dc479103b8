package io.retrainstream.common.event;

/** An event whose bytes cannot be decoded; consumers log and skip it. */
public class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
