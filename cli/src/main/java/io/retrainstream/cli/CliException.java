package io.retrainstream.cli;

/** A failure the user can act on: Main prints the message (which says what to do) and exits with status 1. */
public final class CliException extends RuntimeException {

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
