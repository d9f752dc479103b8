package io.retrainstream.trainer.service;

/** A run was requested while another one is still going. */
public class RunInProgressException extends RuntimeException {
    private final long runId;

    public RunInProgressException(long runId) {
        super("Run " + runId + " is still in progress; follow it at /runs/" + runId);
        this.runId = runId;
    }

    public long runId() {
        return runId;
    }
}
