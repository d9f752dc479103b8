package io.retrainstream.trainer.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.retrainstream.trainer.model.RunReport;

/** One training run: its progress lines as {@code retrain.py} prints them, and how it ended. */
public final class TrainingRun {

    public enum Status {
        /** Training; SUCCEEDED: published; REJECTED: trained but kept back by the promotion gate. */
        RUNNING, SUCCEEDED, REJECTED, FAILED
    }

    public enum Trigger {
        REQUEST, QUIET_PERIOD, CONTINUOUS
    }

    private final long runId;
    private final Trigger trigger;
    private final Instant startedAt = Instant.now();
    private final List<String> log = new ArrayList<>();
    private Status status = Status.RUNNING;
    private String message;
    private Long modelVersion;
    private Double testAccuracy;
    private Integer testCount;
    private Instant finishedAt;
    private RunReport report;

    TrainingRun(long runId, Trigger trigger) {
        this.runId = runId;
        this.trigger = trigger;
    }

    public long runId() {
        return runId;
    }

    synchronized void log(String line) {
        log.add(line);
    }

    synchronized void succeeded(long version, double accuracy, int count, RunReport report) {
        this.report = report;
        status = Status.SUCCEEDED;
        modelVersion = version;
        testAccuracy = Double.isNaN(accuracy) ? null : accuracy;
        testCount = count;
        message = "Published model version " + version;
        finishedAt = Instant.now();
        log.add(message);
    }

    synchronized void rejected(String reason, double accuracy, int count, RunReport report) {
        this.report = report;
        status = Status.REJECTED;
        testAccuracy = Double.isNaN(accuracy) ? null : accuracy;
        testCount = count;
        message = "Not published: " + reason;
        finishedAt = Instant.now();
        log.add(message);
    }

    synchronized void failed(String reason) {
        status = Status.FAILED;
        message = reason;
        finishedAt = Instant.now();
        log.add("Run failed: " + reason);
    }

    public synchronized boolean finished() {
        return status != Status.RUNNING;
    }

    /** An immutable copy for the API, with the log lines from {@code fromLine} on. */
    public synchronized View view(int fromLine) {
        List<String> lines = fromLine >= log.size() ? List.of() : List.copyOf(log.subList(Math.max(0, fromLine),
                log.size()));
        return new View(runId, trigger, status, message, modelVersion, testAccuracy, testCount, startedAt,
                finishedAt, log.size(), lines, report);
    }

    /**
     * A run as the trainer's API returns it.
     *
     * @param log       progress lines from the requested line on
     * @param logLines  how many lines the run has logged in all
     * @param report    what the finished run measured; null until it has succeeded
     */
    public record View(long runId, Trigger trigger, Status status, String message, Long modelVersion,
            Double testAccuracy, Integer testCount, Instant startedAt, Instant finishedAt, int logLines,
            List<String> log, RunReport report) {
    }
}
