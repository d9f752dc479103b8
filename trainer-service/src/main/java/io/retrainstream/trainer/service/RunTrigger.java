package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.messaging.ReplayProgress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts runs on its own ({@code trainer.auto-train}). In continuous mode: a warm run once new data has waited
 * {@code trainer.continuous.min-wait} (or {@code every-images} new training images came), so that new photos are
 * served within about a run's time; but once more than {@code yield-backlog} photos wait for the extractor (a burst),
 * runs yield to it until it has extracted the whole burst, up to {@code every} after new data first waited. Otherwise:
 * a cold run once no new bottleneck has arrived for {@code trainer.quiet-period}. Never more than one run at a time,
 * so the rate adapts itself: what arrives during a run makes the next one, and a burst makes a few runs, each on
 * everything that has arrived by its start; nothing runs when the newest model already covers exactly the data, nor
 * before the bottlenecks already on the topic at start have been read back. When an automatic run ends, it checks at
 * once rather than at its next tick.
 */
@ApplicationScoped
public class RunTrigger {

    private final BottleneckStore store;
    private final TrainerConfig config;
    private final TrainingService training;
    private final ModelVersions versions;
    private final ReplayProgress replay;
    private final ExtractorLoad extractor;
    /** Training changes the last automatic run (or skip) covered. */
    private long handledTrainingChanges;
    /** When new data was first seen waiting (nanos), or 0. */
    private long waitingSince;
    /** Whether automatic runs yield to a burst now: until the extractor has caught up with all of it. */
    private boolean yielding;

    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "run-trigger");
        thread.setDaemon(true);
        return thread;
    });

    public RunTrigger(
            BottleneckStore store,
            TrainerConfig config,
            TrainingService training,
            ModelVersions versions,
            ReplayProgress replay,
            ExtractorLoad extractor) {
        this.store = store;
        this.extractor = extractor;
        this.replay = replay;
        this.config = config;
        this.training = training;
        this.versions = versions;
    }

    /**
     * Checks every {@code trainer.continuous.check-interval} on a thread of its own (Quarkus' {@code @Scheduled} ticks
     * once a second at the finest, which alone would add up to a second to every image's wait).
     */
    void start(@Observes StartupEvent event) {
        if (!config.autoTrain()) {
            return;
        }
        long interval = Math.max(10, config.continuous().checkInterval().toMillis());
        checker.scheduleWithFixedDelay(this::checkNow, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void checkNow() {
        try {
            check(System.nanoTime());
        } catch (RuntimeException e) {
            Log.errorf(
                    e,
                    "The automatic run trigger failed; it checks again in %s",
                    config.continuous().checkInterval());
        }
    }

    /** Checks on the trigger's own thread as soon as it is free. */
    private void checkSoon() {
        try {
            checker.execute(this::checkNow);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: no more runs
        }
    }

    @PreDestroy
    void stop() {
        checker.shutdownNow();
    }

    /** Starts a run when one is due at {@code now} (nanos). */
    synchronized void check(long now) {
        long generation = store.generation();
        if (generation == 0 || generation <= training.handledGeneration()) {
            waitingSince = 0;
            yielding = false;
            return;
        }
        if (waitingSince == 0) {
            waitingSince = now;
        }
        if (training.running() || !replay.caughtUp()) {
            return;
        }
        long trainingChanges = store.trainingChanges();
        TrainingRun.Trigger trigger;
        long backlog = 0;
        if (config.continuous().enabled()) {
            TrainerConfig.Continuous continuous = config.continuous();
            boolean enoughImages = trainingChanges - handledTrainingChanges >= continuous.everyImages();
            boolean waited = now - waitingSince >= continuous.minWait().toNanos();
            boolean waitedLongest = now - waitingSince >= continuous.every().toNanos();
            if (!enoughImages && !waited && !waitedLongest) {
                return;
            }
            if (!waitedLongest && continuous.yieldBacklog() > 0) {
                // once yielding to a burst, until its last photo is extracted: a run started on its last
                // yield-backlog photos took half the extractor's cores while they were extracted
                backlog = extractor.backlog(yielding ? 0 : continuous.yieldBacklog());
                if (backlog > continuous.yieldBacklog() || (yielding && backlog > 0)) {
                    yielding = true;
                    return;
                }
            }
            yielding = false;
            trigger = TrainingRun.Trigger.CONTINUOUS;
        } else {
            if (now - store.lastChangeNanos() < config.quietPeriod().toNanos()) {
                return;
            }
            trigger = TrainingRun.Trigger.QUIET_PERIOD;
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        if (snapshot.fingerprint().equals(versions.latestFingerprint())) {
            training.handled(snapshot.generation());
            handledTrainingChanges = trainingChanges;
            waitingSince = 0;
            Log.infof(
                    "The newest model was trained on exactly these %d bottlenecks; no run needed",
                    snapshot.images().size());
            return;
        }
        try {
            boolean warm = trigger == TrainingRun.Trigger.CONTINUOUS;
            long newImages = trainingChanges - handledTrainingChanges;
            boolean quick = warm
                    && config.continuous().quickSteps() > 0
                    && newImages < config.continuous().everyImages();
            TrainingRun run = training.start(
                    trigger,
                    quick
                            ? Map.of(
                                    RunOptions.WARM_START,
                                    true,
                                    RunOptions.STEPS,
                                    config.continuous().quickSteps())
                            : Map.of(RunOptions.WARM_START, warm));
            Log.infof(
                    "%s: started run %d",
                    warm
                            ? String.format(
                                    "%d new training images, %.2f s since new data, %d photos waiting for the "
                                            + "extractor (%s)",
                                    newImages, (now - waitingSince) / 1e9, backlog, quick ? "quick run" : "warm run")
                            : "No new bottlenecks for " + config.quietPeriod(),
                    run.runId());
            // what arrives during the run makes the next one, started as soon as this one ends
            training.afterRuns(this::checkSoon);
        } catch (TrainingRefusedException e) {
            Log.warn(e.getMessage());
        } catch (RunInProgressException e) {
            Log.debug(e.getMessage());
            return;
        }
        handledTrainingChanges = trainingChanges;
        waitingSince = 0;
    }
}
