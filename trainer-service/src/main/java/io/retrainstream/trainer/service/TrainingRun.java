package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.trainer.data.RunReport;
import io.retrainstream.trainer.model.Cancellation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One training run: its progress lines as {@code retrain.py} prints them, and how it ended. A run can be cancelled
 * until it starts publishing ({@link #cancel()}); its training asks {@link #cancellation()} as it goes.
 */
public final class TrainingRun {

    public enum Status {
        /**
         * Training; SUCCEEDED: published; REJECTED: trained but kept back by the promotion gate; CANCELLED: stopped on
         * request, nothing published.
         */
        RUNNING,
        SUCCEEDED,
        REJECTED,
        FAILED,
        CANCELLED
    }

    /** What {@link #cancel()} did. */
    public enum CancelOutcome {
        /** The run will stop (or has stopped) without publishing. */
        REQUESTED,
        /** The run had ended already. */
        FINISHED,
        /** The run is publishing its model: too late to stop it. */
        PUBLISHING
    }

    public enum Trigger {
        REQUEST,
        QUIET_PERIOD,
        CONTINUOUS
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
    private volatile boolean cancelRequested;
    private boolean publishing;
    private final CountDownLatch ended = new CountDownLatch(1);

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

    /** Adds a progress line to the run's log and to the service's. */
    void progress(String line) {
        log(line);
        Log.info(line);
    }

    /** While the run waits before training: what it waits for (its status message); null once it trains. */
    synchronized void waiting(String text) {
        if (!finished()) {
            message = text;
        }
    }

    /** Asks the run to stop; it ends {@link Status#CANCELLED} at its next check unless it is already publishing. */
    synchronized CancelOutcome cancel() {
        if (finished()) {
            return CancelOutcome.FINISHED;
        }
        if (publishing) {
            return CancelOutcome.PUBLISHING;
        }
        if (!cancelRequested) {
            cancelRequested = true;
            log.add("Cancellation requested");
        }
        return CancelOutcome.REQUESTED;
    }

    /** What the run's training asks before each step. */
    Cancellation cancellation() {
        return () -> cancelRequested;
    }

    /** Marks the run as publishing, after which it cannot be cancelled; false when it was cancelled first. */
    synchronized boolean startPublishing() {
        if (cancelRequested) {
            return false;
        }
        publishing = true;
        return true;
    }

    /** Waits up to {@code timeout} for the run to end; whether it has. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    synchronized Status status() {
        return status;
    }

    synchronized void succeeded(long version, double accuracy, int count, RunReport report) {
        this.report = report;
        status = Status.SUCCEEDED;
        modelVersion = version;
        testAccuracy = Double.isNaN(accuracy) ? null : accuracy;
        testCount = count;
        message = "Published model version " + version;
        end();
        log.add(message);
    }

    synchronized void rejected(String reason, double accuracy, int count, RunReport report) {
        this.report = report;
        status = Status.REJECTED;
        testAccuracy = Double.isNaN(accuracy) ? null : accuracy;
        testCount = count;
        message = "Not published: " + reason;
        end();
        log.add(message);
    }

    synchronized void failed(String reason) {
        status = Status.FAILED;
        message = reason;
        end();
        log.add("Run failed: " + reason);
    }

    synchronized void cancelled() {
        status = Status.CANCELLED;
        message = "Cancelled on request: no model version was published";
        end();
        log.add(message);
    }

    private void end() {
        finishedAt = Instant.now();
        ended.countDown();
    }

    public synchronized boolean finished() {
        return status != Status.RUNNING;
    }

    /** An immutable copy for the API, with the log lines from {@code fromLine} on. */
    public synchronized View view(int fromLine) {
        List<String> lines =
                fromLine >= log.size() ? List.of() : List.copyOf(log.subList(Math.max(0, fromLine), log.size()));
        return new View(
                runId,
                trigger,
                status,
                message,
                modelVersion,
                testAccuracy,
                testCount,
                startedAt,
                finishedAt,
                log.size(),
                lines,
                report);
    }

    /**
     * A run as the trainer's API returns it.
     *
     * @param log       progress lines from the requested line on
     * @param logLines  how many lines the run has logged in all
     * @param report    what the finished run measured; null until it has succeeded
     */
    public record View(
            long runId,
            Trigger trigger,
            Status status,
            String message,
            Long modelVersion,
            Double testAccuracy,
            Integer testCount,
            Instant startedAt,
            Instant finishedAt,
            int logLines,
            List<String> log,
            RunReport report) {}
}
