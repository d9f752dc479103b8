package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.messaging.ReplayProgress;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Starts runs on its own ({@code trainer.auto-train}). In continuous mode: a warm run after
 * {@code trainer.continuous.every-images} new training images, or once new data has waited
 * {@code trainer.continuous.every}, whichever comes first. Otherwise: a cold run once no new bottleneck has arrived
 * for {@code trainer.quiet-period}. Never more than one run at a time, so a burst of images makes a few runs, each
 * on everything that has arrived by its start; nothing runs when the newest model already covers exactly the data,
 * nor before the bottlenecks already on the topic at start have been read back.
 */
@ApplicationScoped
public class RunTrigger {

    private final BottleneckStore store;
    private final TrainerConfig config;
    private final TrainingService training;
    private final ModelVersions versions;
    private final ReplayProgress replay;
    /** Training changes the last automatic run (or skip) covered. */
    private long handledTrainingChanges;
    /** When new data was first seen waiting (nanos), or 0. */
    private long waitingSince;

    public RunTrigger(
            BottleneckStore store,
            TrainerConfig config,
            TrainingService training,
            ModelVersions versions,
            ReplayProgress replay) {
        this.store = store;
        this.replay = replay;
        this.config = config;
        this.training = training;
        this.versions = versions;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        if (config.autoTrain()) {
            check(System.nanoTime());
        }
    }

    /** Starts a run when one is due at {@code now} (nanos). */
    synchronized void check(long now) {
        long generation = store.generation();
        if (generation == 0 || generation <= training.handledGeneration()) {
            waitingSince = 0;
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
        if (config.continuous().enabled()) {
            boolean enoughImages = trainingChanges - handledTrainingChanges
                    >= config.continuous().everyImages();
            boolean waitedLongEnough =
                    now - waitingSince >= config.continuous().every().toNanos();
            if (!enoughImages && !waitedLongEnough) {
                return;
            }
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
            TrainingRun run = training.start(trigger, Map.of(RunOptions.WARM_START, warm));
            Log.infof(
                    "%s: started run %d",
                    warm
                            ? String.format(
                                    "%d new training images, %.0f s since new data",
                                    trainingChanges - handledTrainingChanges, (now - waitingSince) / 1e9)
                            : "No new bottlenecks for " + config.quietPeriod(),
                    run.runId());
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
