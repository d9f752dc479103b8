package io.retrainstream.cli;

/** A failure the user can act on: Main prints the message (which says what to do) and exits with status 1. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
