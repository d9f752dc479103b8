package io.retrainstream.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.Freshness;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.RunReport;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.BottleneckStore;
import io.retrainstream.trainer.model.DistortedBatches;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.LabelledBottleneck;
import io.retrainstream.trainer.model.PromotionGate;
import io.retrainstream.trainer.model.RunCancelledException;
import io.retrainstream.trainer.model.TrainedHead;
import io.retrainstream.trainer.model.TrainingData;
import io.retrainstream.trainer.model.WarmStart;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs training, one run at a time, on request or when {@link RunTrigger} says so. A cold run trains from scratch; a
 * warm run continues from the serving model's head. Each finished run goes through the promotion gate
 * ({@link Promoter}) and becomes a new model version unless it is worse than the serving model. A run can be cancelled
 * until it starts publishing: it then ends {@code CANCELLED}, publishing nothing and writing no model files.
 */
@ApplicationScoped
public class TrainingService {

    private static final int RUNS_KEPT = 50;
    /** Most event times of newly learned images a model event carries (a sample beyond that). */
    private static final int FRESHNESS_SAMPLE = 2000;

    static final String WARM_START = "warm_start";
    static final String FORCE_PUBLISH = "force_publish";
    /** How long {@link #cancel} waits for a cancelled run to stop (it checks before every training step). */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

    private final BottleneckStore store;
    private final TrainerConfig config;
    private final Promoter promoter;
    private final MeterRegistry registry;
    private final RunOutputs outputs;
    private final DistortionClient distortions;
    private final Timer runTimer;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-run"));
    private final Map<Long, TrainingRun> runs = new LinkedHashMap<>();
    private long lastRunId;
    private TrainingRun active;
    /** Store generation the last run (or the last refusal) looked at; automatic runs wait for more. */
    private long handledGeneration;

    public TrainingService(
            BottleneckStore store,
            TrainerConfig config,
            Promoter promoter,
            MeterRegistry registry,
            RunOutputs outputs,
            DistortionClient distortions) {
        this.store = store;
        this.config = config;
        this.promoter = promoter;
        this.registry = registry;
        this.outputs = outputs;
        this.distortions = distortions;
        this.runTimer = Timer.builder("trainer.run.duration")
                .description("Wall time of training runs")
                .register(registry);
    }

    /** Refuses to start with a configuration whose runs would all be refused. */
    void checkConfiguration(@Observes StartupEvent event) {
        TrainingParams.from(config, 0)
                .withOverrides(
                        Map.of("how_many_training_steps", config.continuous().warmSteps()));
    }

    /** Starts a run now with the configured parameters, or says why it cannot. */
    public TrainingRun start(TrainingRun.Trigger trigger) {
        return start(trigger, Map.of());
    }

    /**
     * Starts a run now, with some parameters overridden by {@code retrain.py} name, or says why it cannot. Two
     * options of the trainer's own: {@code warm_start} (continue from the serving head, with
     * {@code trainer.continuous.warm-steps} steps unless the steps are given) and {@code force_publish} (skip the
     * promotion gate). File options among the overrides are paths under {@code trainer.output-root}
     * ({@link RunOutputs#confined}).
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    public synchronized TrainingRun start(TrainingRun.Trigger trigger, Map<String, ?> overrides) {
        return start(trigger, overrides, Optional.empty());
    }

    /**
     * {@link #start(TrainingRun.Trigger, Map)}, the run first waiting for {@code barrier} (in its own thread, with
     * progress in its log and its status message) before it takes its snapshot of the bottlenecks. A run that cannot
     * train on what it then finds ends {@code FAILED}, saying why.
     */
    public synchronized TrainingRun start(
            TrainingRun.Trigger trigger, Map<String, ?> overrides, Optional<RunBarrier> barrier) {
        Map<String, Object> options = outputs.confined(overrides);
        boolean warm = flag(options.remove(WARM_START), WARM_START);
        boolean force = flag(options.remove(FORCE_PUBLISH), FORCE_PUBLISH);
        if (warm && !options.containsKey("how_many_training_steps")) {
            options.put("how_many_training_steps", config.continuous().warmSteps());
        }
        long seed = config.randomSeed().orElse(ThreadLocalRandom.current().nextLong());
        TrainingParams params = TrainingParams.from(config, seed).withOverrides(options);
        if (active != null && !active.finished()) {
            throw new RunInProgressException(active.runId());
        }
        if (barrier.isPresent()) {
            TrainingRun run = register(trigger);
            executor.submit(() -> afterBarrier(run, barrier.get(), params, warm, force));
            return run;
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        List<String> labels = checkedLabels(snapshot, params);
        TrainingRun run = register(trigger);
        executor.submit(() -> execute(run, snapshot, labels, params, warm, force));
        return run;
    }

    /** Waits for {@code barrier}, then trains on what has arrived by then. */
    private void afterBarrier(TrainingRun run, RunBarrier barrier, TrainingParams params, boolean warm, boolean force) {
        BottleneckStore.Snapshot snapshot;
        List<String> labels;
        try {
            barrier.await(
                    line -> {
                        run.waiting(line);
                        progress(run, line);
                    },
                    run.cancellation());
            run.waiting(null);
            synchronized (this) {
                snapshot = store.snapshot();
                labels = checkedLabels(snapshot, params);
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
            // an Error too, as in execute: the run ends FAILED instead of RUNNING for ever
            Log.warnf("Run %d: %s", run.runId(), e.getMessage());
            run.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            registry.counter("trainer.runs", "outcome", "failed").increment();
            return;
        }
        execute(run, snapshot, labels, params, warm, force);
    }

    /** The classes {@code snapshot} can train, or a refusal saying what to publish first. */
    private List<String> checkedLabels(BottleneckStore.Snapshot snapshot, TrainingParams params) {
        List<String> labels = trainableLabels(snapshot, params.splitRule());
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

    private static boolean flag(Object value, String name) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        String text = String.valueOf(value).trim();
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
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
        for (LabelledBottleneck image : snapshot.images()) {
            if (rule.assign(image.fileName()) == DataSet.TRAINING) {
                labels.add(image.label());
            }
        }
        return new ArrayList<>(labels);
    }

    private void execute(
            TrainingRun run,
            BottleneckStore.Snapshot snapshot,
            List<String> labels,
            TrainingParams params,
            boolean warm,
            boolean force) {
        long start = System.nanoTime();
        try {
            Map<String, Long> timings = new LinkedHashMap<>();
            FeatureLayer layer = params.mode() == TrainingMode.IMPROVED
                            && TrainingData.available(snapshot.images(), FeatureLayer.POOLED)
                    ? FeatureLayer.POOLED
                    : FeatureLayer.BOTTLENECK;
            if (params.mode() == TrainingMode.IMPROVED && layer == FeatureLayer.BOTTLENECK) {
                progress(run, "Some bottlenecks came without pooled features: training on retrain.py's bottleneck");
            }
            TrainingData data = TrainingData.of(labels, snapshot.images(), params.splitRule(), layer);
            Optional<ModelPublished> from =
                    warm ? warmStartFrom(run, snapshot.architecture(), layer) : Optional.empty();
            timings.put("prepare", millisSince(start));
            progress(
                    run,
                    String.format(
                            "Run %d: training %d classes %s on %d training, %d validation and %d test "
                                    + "%s vectors (size %d) of %s (mode %s, %s, %d steps, learning rate %s, batch %d)",
                            run.runId(),
                            labels.size(),
                            labels,
                            data.training().count(),
                            data.validation().count(),
                            data.testing().count(),
                            layer.id(),
                            data.bottleneckSize(),
                            snapshot.architecture(),
                            params.mode().id(),
                            from.map(m -> "warm start from version " + m.version())
                                    .orElse("cold start"),
                            params.howManyTrainingSteps(),
                            params.learningRate(),
                            params.trainBatchSize()));
            long trainStart = System.nanoTime();
            TrainedHead head;
            Promoter.Outcome outcome;
            try (RunOutputs.Writer files = outputs.open(
                    params, run.runId(), snapshot.architecture(), layer, labels, line -> progress(run, line))) {
                DistortedBatches distorted = null;
                if (params.distortions().any()) {
                    progress(run, "Training images are distorted by the extractor each step: " + params.distortions());
                    distorted = distortions.batches(data, snapshot.images(), params.distortions());
                }
                head = new HeadTrainer(params, line -> progress(run, line), files, distorted)
                        .cancelledBy(run.cancellation())
                        .train(data, from.map(TrainingService::warmStart).orElse(null));
                timings.put("train_and_test", millisSince(trainStart));
                long outputStart = System.nanoTime();
                files.stage(head, run.cancellation());
                timings.put("outputs", millisSince(outputStart));
                if (!run.startPublishing()) {
                    throw new RunCancelledException();
                }
                long promoteStart = System.nanoTime();
                outcome = promote(run, snapshot, labels, params, layer, data, head, start, force);
                if (outcome.model() != null) {
                    commitOutputs(run, files, outcome.model().version());
                }
                timings.put("publish", millisSince(promoteStart));
            }
            timings.put("total", millisSince(start));
            RunReport report = RunReport.of(params, snapshot.architecture(), data, head, timings)
                    .with(
                            from.map(m -> "warm from version " + m.version()).orElse("cold"),
                            outcome.decision(),
                            outcome.model() == null
                                    ? null
                                    : Freshness.of(
                                            outcome.model().metrics().newImageTimes(),
                                            outcome.model().publishedAt()));
            if (outcome.model() != null) {
                run.succeeded(outcome.model().version(), head.testAccuracy(), head.testCount(), report);
                Log.infof(
                        "Run %d published model version %d",
                        run.runId(), outcome.model().version());
                registry.counter("trainer.runs", "outcome", "published").increment();
            } else {
                run.rejected(outcome.decision().reason(), head.testAccuracy(), head.testCount(), report);
                registry.counter("trainer.runs", "outcome", "rejected").increment();
            }
        } catch (RunCancelledException e) {
            Log.infof("Run %d cancelled", run.runId());
            run.cancelled();
            registry.counter("trainer.runs", "outcome", "cancelled").increment();
        } catch (RuntimeException | Error e) {
            // An Error too (native or heap memory exhausted): the run ends FAILED instead of RUNNING for ever
            Log.errorf(e, "Run %d failed", run.runId());
            run.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            registry.counter("trainer.runs", "outcome", "failed").increment();
        } finally {
            runTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** Moves the staged outputs into place; the version is published already, so a failure is logged, not raised. */
    private static void commitOutputs(TrainingRun run, RunOutputs.Writer files, long version) {
        try {
            files.commit(version);
        } catch (RuntimeException e) {
            Log.errorf(e, "Run %d: the outputs of version %d were not written", run.runId(), version);
            progress(run, "The outputs of version " + version + " were not written: " + e.getMessage());
        }
    }

    /** The serving model when a warm start can continue from it: same architecture and feature layer. */
    private Optional<ModelPublished> warmStartFrom(TrainingRun run, String architecture, FeatureLayer layer) {
        Optional<ModelPublished> serving = promoter.serving();
        if (serving.isEmpty()) {
            progress(run, "No model is served yet: a cold start");
            return Optional.empty();
        }
        ModelPublished model = serving.get();
        if (!model.architecture().equals(architecture) || model.featureLayer() != layer) {
            progress(
                    run,
                    String.format(
                            "The serving model (version %d) takes %s features of %s, this run %s of %s: "
                                    + "a cold start",
                            model.version(), model.feature(), model.architecture(), layer.id(), architecture));
            return Optional.empty();
        }
        return serving;
    }

    private static WarmStart warmStart(ModelPublished model) {
        Double l2 = model.metrics() == null ? null : model.metrics().l2();
        return new WarmStart(model.labels(), model.weights(), model.biases(), l2 == null ? null : l2.floatValue());
    }

    private Promoter.Outcome promote(
            TrainingRun run,
            BottleneckStore.Snapshot snapshot,
            List<String> labels,
            TrainingParams params,
            FeatureLayer layer,
            TrainingData data,
            TrainedHead head,
            long start,
            boolean force) {
        long previousThrough = promoter.learnedThrough();
        long learnedThrough = 0;
        List<Long> fresh = new ArrayList<>();
        for (LabelledBottleneck image : snapshot.images()) {
            if (params.splitRule().assign(image.fileName()) == DataSet.TRAINING) {
                learnedThrough = Math.max(learnedThrough, image.imageTime());
                if (image.imageTime() > previousThrough) {
                    fresh.add(image.imageTime());
                }
            }
        }
        long[] newImageTimes = sample(fresh);
        String fingerprint = snapshot.fingerprint();
        long through = Math.max(learnedThrough, previousThrough);
        Promoter.Candidate candidate = new Promoter.Candidate() {
            @Override
            public PromotionGate.Head head() {
                return new PromotionGate.Head(snapshot.architecture(), layer, labels, head.weights(), head.biases());
            }

            @Override
            public ModelPublished withVersion(long version) {
                ModelMetrics metrics = new ModelMetrics(
                        run.runId(),
                        params.howManyTrainingSteps(),
                        params.learningRate(),
                        data.training().count(),
                        head.trainAccuracy(),
                        head.validationAccuracy(),
                        head.validationCount(),
                        head.testAccuracy(),
                        head.testCount(),
                        millisSince(start),
                        fingerprint,
                        head.l2() == null ? null : head.l2().doubleValue(),
                        through,
                        newImageTimes);
                return new ModelPublished(
                        version,
                        snapshot.architecture(),
                        layer.id(),
                        labels,
                        data.bottleneckSize(),
                        head.weights(),
                        head.biases(),
                        metrics,
                        System.currentTimeMillis());
            }
        };
        Promoter.Outcome outcome = force
                ? promoter.publish(candidate, "force_publish was given")
                : promoter.promote(candidate, snapshot.images(), params.splitRule());
        progress(
                run,
                "Promotion gate: " + (outcome.model() != null ? "published, " : "rejected, ")
                        + outcome.decision().reason());
        return outcome;
    }

    /** Up to {@link #FRESHNESS_SAMPLE} of the times, evenly spread. */
    private static long[] sample(List<Long> times) {
        int n = Math.min(times.size(), FRESHNESS_SAMPLE);
        long[] sample = new long[n];
        for (int i = 0; i < n; i++) {
            sample[i] = times.get((int) ((long) i * times.size() / n));
        }
        return sample;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void progress(TrainingRun run, String line) {
        run.log(line);
        Log.info(line);
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
