package io.retrainstream.common.model;

import org.jboss.logging.Logger;

/** A download's progress for a service's log: one line per tenth of the archive. */
public final class LoggedProgress implements ModelDownloader.Progress {

    private static final Logger LOG = Logger.getLogger(LoggedProgress.class);

    private final String what;
    private long lastTenth = -1;

    public LoggedProgress(String what) {
        this.what = what;
    }

    @Override
    public void update(long bytes, long total) {
        long tenth = total > 0 ? bytes * 10 / total : bytes / (10L << 20);
        if (tenth != lastTenth) {
            lastTenth = tenth;
            LOG.infof("Downloading %s: %d of %s bytes", what, bytes, total > 0 ? Long.toString(total) : "?");
        }
    }
}
