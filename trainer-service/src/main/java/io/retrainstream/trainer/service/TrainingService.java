package io.retrainstream.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.trainer.model.RunCancelledException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Starts training runs, one at a time, on request or when {@link RunTrigger} says so, and keeps the recent ones. A
 * cold run trains from scratch; a warm run continues from the serving model's head ({@link RunOptions}).
 * {@link RunExecutor} carries a run out: each finished run goes through the promotion gate ({@link Promoter}) and
 * becomes a new model version unless it is worse than the serving model. A run can be cancelled until it starts
 * publishing: it then ends {@code CANCELLED}, publishing nothing and writing no model files.
 */
@ApplicationScoped
public class TrainingService {

    private static final int RUNS_KEPT = 50;

    /** How long {@link #cancel} waits for a cancelled run to stop (it checks before every training step). */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

    private final BottleneckStore store;
    private final RunOptions options;
    private final RunExecutor executor;
    private final MeterRegistry registry;
    private final Map<Long, TrainingRun> runs = new LinkedHashMap<>();
    private long lastRunId;
    private TrainingRun active;
    /** Store generation the last run (or the last refusal) looked at; automatic runs wait for more. */
    private long handledGeneration;

    public TrainingService(BottleneckStore store, RunOptions options, RunExecutor executor, MeterRegistry registry) {
        this.store = store;
        this.options = options;
        this.executor = executor;
        this.registry = registry;
    }

    /** Starts a run now with the configured parameters, or says why it cannot. */
    public TrainingRun start(TrainingRun.Trigger trigger) {
        return start(trigger, Map.of());
    }

    /**
     * Starts a run now, with some parameters overridden by {@code retrain.py} name ({@link RunOptions#parse}), or
     * says why it cannot.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    public TrainingRun start(TrainingRun.Trigger trigger, Map<String, ?> overrides) {
        return start(trigger, overrides, Optional.empty());
    }

    /**
     * {@link #start(TrainingRun.Trigger, Map)}, the run first waiting for {@code barrier} (on the training thread, with
     * progress in its log and its status message) before it takes its snapshot of the bottlenecks. A run that cannot
     * train on what it then finds ends {@code FAILED}, saying why.
     */
    public synchronized TrainingRun start(
            TrainingRun.Trigger trigger, Map<String, ?> overrides, Optional<RunBarrier> barrier) {
        RunOptions.Parsed parsed = options.parse(overrides);
        if (active != null && !active.finished()) {
            throw new RunInProgressException(active.runId());
        }
        if (barrier.isPresent()) {
            TrainingRun run = register(trigger);
            executor.submit(() -> afterBarrier(run, barrier.get(), parsed));
            return run;
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        List<String> labels = checkedLabels(snapshot, parsed);
        TrainingRun run = register(trigger);
        executor.submit(run, snapshot, labels, parsed);
        return run;
    }

    /**
     * Runs {@code task} on the training thread once every run started so far has ended: the automatic trigger checks
     * again the moment a run ends, instead of at its next tick.
     */
    public void afterRuns(Runnable task) {
        executor.submit(task);
    }

    /** Waits for {@code barrier}, then trains on what has arrived by then (on the training thread). */
    private void afterBarrier(TrainingRun run, RunBarrier barrier, RunOptions.Parsed parsed) {
        BottleneckStore.Snapshot snapshot;
        List<String> labels;
        try {
            barrier.await(
                    line -> {
                        run.waiting(line);
                        run.progress(line);
                    },
                    run.cancellation());
            run.waiting(null);
            synchronized (this) {
                snapshot = store.snapshot();
                labels = checkedLabels(snapshot, parsed);
            }
        } catch (RunCancelledException e) {
            Log.infof("Run %d cancelled while waiting for the photos published before it", run.runId());
            run.cancelled();
            registry.counter("trainer.runs", "outcome", "cancelled").increment();
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.failed("The trainer stopped while the run waited for the photos published before it");
            return;
        } catch (TrainingRefusedException e) {
            Log.warnf("Run %d: %s", run.runId(), e.getMessage());
            run.failed(e.getMessage());
            return;
        } catch (RuntimeException | Error e) {
            // an Error too, as in RunExecutor: the run ends FAILED instead of RUNNING for ever
            Log.warnf("Run %d: %s", run.runId(), e.getMessage());
            run.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            registry.counter("trainer.runs", "outcome", "failed").increment();
            return;
        }
        executor.execute(run, snapshot, labels, parsed);
    }

    /** The classes {@code snapshot} can train, or a refusal saying what to publish first. */
    private List<String> checkedLabels(BottleneckStore.Snapshot snapshot, RunOptions.Parsed parsed) {
        List<String> labels = trainableLabels(snapshot, parsed.params().splitRule());
        handledGeneration = Math.max(handledGeneration, snapshot.generation());
        if (labels.size() < 2) {
            registry.counter("trainer.runs", "outcome", "refused").increment();
            throw new TrainingRefusedException("Training needs at least 2 classes with training images; "
                    + (snapshot.images().isEmpty()
                            ? "no bottlenecks have arrived yet"
                            : "have " + labels.size() + " " + labels + " among "
                                    + snapshot.counts().keySet())
                    + ". Publish labelled images of at least two classes to topic 'images' first.");
        }
        return labels;
    }

    private TrainingRun register(TrainingRun.Trigger trigger) {
        TrainingRun run = new TrainingRun(++lastRunId, trigger);
        runs.put(run.runId(), run);
        if (runs.size() > RUNS_KEPT) {
            runs.remove(runs.keySet().iterator().next());
        }
        active = run;
        return run;
    }

    /** Whether a run is going now. */
    public synchronized boolean running() {
        return active != null && !active.finished();
    }

    /** The store generation the last run (or refusal) covered. */
    public synchronized long handledGeneration() {
        return handledGeneration;
    }

    /** Takes note that nothing needs training up to {@code generation}. */
    synchronized void handled(long generation) {
        handledGeneration = Math.max(handledGeneration, generation);
    }

    /**
     * Cancels run {@code runId} and waits up to {@link #CANCEL_WAIT} for it to stop.
     *
     * @return what the cancellation did; empty for an unknown run
     */
    public Optional<TrainingRun.CancelOutcome> cancel(long runId) throws InterruptedException {
        Optional<TrainingRun> found = run(runId);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TrainingRun run = found.get();
        TrainingRun.CancelOutcome outcome = run.cancel();
        if (outcome == TrainingRun.CancelOutcome.REQUESTED) {
            Log.infof("Run %d: cancellation requested", runId);
            run.awaitEnd(CANCEL_WAIT);
        }
        return Optional.of(outcome);
    }

    public synchronized Optional<TrainingRun> run(long runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    public synchronized List<TrainingRun> runs() {
        return new ArrayList<>(runs.values());
    }

    /** Labels with at least one training image, sorted: the classes of the next model. */
    private static List<String> trainableLabels(BottleneckStore.Snapshot snapshot, SplitRule rule) {
        TreeSet<String> labels = new TreeSet<>();
        DataSet[] sets = snapshot.sets(rule);
        for (int i = 0; i < sets.length; i++) {
            if (sets[i] == DataSet.TRAINING) {
                labels.add(snapshot.stored().get(i).label());
            }
        }
        return new ArrayList<>(labels);
    }
}
