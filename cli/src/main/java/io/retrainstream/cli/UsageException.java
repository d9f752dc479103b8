package io.retrainstream.cli;

/** Bad command-line arguments: Main prints the message and the command's usage, and exits with status 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
