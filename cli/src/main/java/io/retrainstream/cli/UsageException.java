package io.retrainstream.cli;

/** Bad command-line arguments: Main prints the message and the command's usage, and exits with status 2. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
