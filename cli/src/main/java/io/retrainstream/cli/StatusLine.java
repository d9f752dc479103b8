package io.retrainstream.cli;

import java.io.PrintStream;

/**
 * One line of progress on stderr. On a terminal it is rewritten in place; otherwise only every
 * {@code quietIntervalMillis} a line is printed, so that logs of non-interactive runs stay short.
 */
public final class StatusLine {

    private static final String SPINNER = "|/-\\";
    private static final long QUIET_INTERVAL_MILLIS = 10_000;

    private final PrintStream err;
    private final boolean interactive;
    private int lastLength;
    private int tick;
    private long lastPrinted;

    public StatusLine(PrintStream err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    /** The next spinner character. */
    public char spin() {
        return SPINNER.charAt(tick++ % SPINNER.length());
    }

    public void update(String text) {
        if (interactive) {
            rewrite(text);
            err.flush();
        } else {
            long now = System.currentTimeMillis();
            if (now - lastPrinted >= QUIET_INTERVAL_MILLIS) {
                err.println(text);
                lastPrinted = now;
            }
        }
    }

    /** Replaces the line with {@code text} for good and moves to the next line. */
    public void done(String text) {
        if (interactive) {
            rewrite(text);
            err.println();
        } else {
            err.println(text);
        }
        lastLength = 0;
        lastPrinted = 0;
    }

    /** Clears the line (on a terminal), e.g. before printing something else. */
    public void clear() {
        if (interactive && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
            lastLength = 0;
        }
    }

    private void rewrite(String text) {
        String padding = text.length() < lastLength ? " ".repeat(lastLength - text.length()) : "";
        err.print("\r" + text + padding);
        lastLength = text.length();
    }
}
