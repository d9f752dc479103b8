package io.retrainstream.trainer.service;

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

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.messaging.ModelPublisher;
import io.retrainstream.trainer.model.BottleneckStore;
import io.retrainstream.trainer.model.DistortedBatches;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.LabelledBottleneck;
import io.retrainstream.trainer.model.RunReport;
import io.retrainstream.trainer.model.TrainedHead;
import io.retrainstream.trainer.model.TrainingData;
import io.retrainstream.trainer.model.TrainingMode;
import io.retrainstream.trainer.model.TrainingParams;

/**
 * Runs training, one run at a time: on request, and on its own once new bottlenecks have stopped arriving for the
 * quiet period. Each finished run is published as a new model version.
 */
@ApplicationScoped
public class TrainingService {

    private static final int RUNS_KEPT = 50;

    private final BottleneckStore store;
    private final TrainerConfig config;
    private final ModelPublisher publisher;
    private final ModelVersions versions;
    private final MeterRegistry registry;
    private final RunOutputs outputs;
    private final DistortionClient distortions;
    private final Timer runTimer;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-run"));
    private final Map<Long, TrainingRun> runs = new LinkedHashMap<>();
    private long lastRunId;
    private TrainingRun active;
    /** Store generation the last run (or the last refusal) looked at; the quiet-period trigger waits for more. */
    private long handledGeneration;

    public TrainingService(BottleneckStore store, TrainerConfig config, ModelPublisher publisher,
            ModelVersions versions, MeterRegistry registry, RunOutputs outputs, DistortionClient distortions) {
        this.outputs = outputs;
        this.distortions = distortions;
        this.store = store;
        this.config = config;
        this.publisher = publisher;
        this.versions = versions;
        this.registry = registry;
        this.runTimer = Timer.builder("trainer.run.duration").description("Wall time of training runs")
                .register(registry);
    }

    /** Starts a run now with the configured parameters, or says why it cannot. */
    public TrainingRun start(TrainingRun.Trigger trigger) {
        return start(trigger, Map.of());
    }

    /**
     * Starts a run now, with some parameters overridden by {@code retrain.py} name, or says why it cannot.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    public synchronized TrainingRun start(TrainingRun.Trigger trigger, Map<String, ?> overrides) {
        long seed = config.randomSeed().orElse(ThreadLocalRandom.current().nextLong());
        TrainingParams params = TrainingParams.from(config, seed).withOverrides(overrides);
        if (active != null && !active.finished()) {
            throw new RunInProgressException(active.runId());
        }
        BottleneckStore.Snapshot snapshot = store.snapshot();
        List<String> labels = trainableLabels(snapshot, params.splitRule());
        handledGeneration = snapshot.generation();
        if (labels.size() < 2) {
            registry.counter("trainer.runs", "outcome", "refused").increment();
            throw new TrainingRefusedException("Training needs at least 2 classes with training images; "
                    + (snapshot.images().isEmpty() ? "no bottlenecks have arrived yet"
                            : "have " + labels.size() + " " + labels + " among " + snapshot.counts().keySet())
                    + ". Publish labelled images of at least two classes to topic 'images' first.");
        }
        TrainingRun run = new TrainingRun(++lastRunId, trigger);
        runs.put(run.runId(), run);
        if (runs.size() > RUNS_KEPT) {
            runs.remove(runs.keySet().iterator().next());
        }
        active = run;
        executor.submit(() -> execute(run, snapshot, labels, params));
        return run;
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

    private void execute(TrainingRun run, BottleneckStore.Snapshot snapshot, List<String> labels,
            TrainingParams params) {
        long start = System.nanoTime();
        try {
            Map<String, Long> timings = new LinkedHashMap<>();
            FeatureLayer layer = params.mode() == TrainingMode.IMPROVED
                    && TrainingData.available(snapshot.images(), FeatureLayer.POOLED) ? FeatureLayer.POOLED
                            : FeatureLayer.BOTTLENECK;
            if (params.mode() == TrainingMode.IMPROVED && layer == FeatureLayer.BOTTLENECK) {
                progress(run, "Some bottlenecks came without pooled features: training on retrain.py's bottleneck");
            }
            TrainingData data = TrainingData.of(labels, snapshot.images(), params.splitRule(), layer);
            timings.put("prepare", millisSince(start));
            progress(run, String.format("Run %d: training %d classes %s on %d training, %d validation and %d test "
                    + "%s vectors (size %d) of %s (mode %s, %d steps, learning rate %s, batch %d)", run.runId(),
                    labels.size(), labels, data.training().count(), data.validation().count(),
                    data.testing().count(), layer.id(), data.bottleneckSize(), snapshot.architecture(),
                    params.mode().id(), params.howManyTrainingSteps(), params.learningRate(),
                    params.trainBatchSize()));
            long trainStart = System.nanoTime();
            TrainedHead head;
            try (RunOutputs.Writer files = outputs.open(params, snapshot.architecture(), layer, labels,
                    line -> progress(run, line))) {
                DistortedBatches distorted = null;
                if (params.distortions().any()) {
                    progress(run, "Training images are distorted by the extractor each step: " + params.distortions());
                    distorted = distortions.batches(data, snapshot.images(), params.distortions());
                }
                head = new HeadTrainer(params, line -> progress(run, line), files, distorted).train(data);
                timings.put("train_and_test", millisSince(trainStart));
                long outputStart = System.nanoTime();
                files.writeFinal(head);
                timings.put("outputs", millisSince(outputStart));
            }
            long millis = millisSince(start);
            String fingerprint = snapshot.fingerprint();
            long publishStart = System.nanoTime();
            long version = versions.next();
            ModelMetrics metrics = new ModelMetrics(run.runId(), params.howManyTrainingSteps(),
                    params.learningRate(), data.training().count(), head.trainAccuracy(), head.validationAccuracy(),
                    head.validationCount(), head.testAccuracy(), head.testCount(), millis, fingerprint);
            publisher.publish(new ModelPublished(version, snapshot.architecture(), layer.id(), labels,
                    data.bottleneckSize(), head.weights(), head.biases(), metrics, System.currentTimeMillis()));
            versions.published(version, fingerprint);
            timings.put("publish", millisSince(publishStart));
            timings.put("total", millisSince(start));
            run.succeeded(version, head.testAccuracy(), head.testCount(),
                    RunReport.of(params, snapshot.architecture(), data, head, timings));
            Log.infof("Run %d published model version %d", run.runId(), version);
            registry.counter("trainer.runs", "outcome", "published").increment();
        } catch (RuntimeException e) {
            Log.errorf(e, "Run %d failed", run.runId());
            run.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            registry.counter("trainer.runs", "outcome", "failed").increment();
        } finally {
            runTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void progress(TrainingRun run, String line) {
        run.log(line);
        Log.info(line);
    }

    /** Starts a run once new bottlenecks have stopped arriving for the quiet period. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void trainWhenQuiet() {
        if (!config.autoTrain()) {
            return;
        }
        long generation = store.generation();
        synchronized (this) {
            if (generation == 0 || generation <= handledGeneration || (active != null && !active.finished())) {
                return;
            }
        }
        long quietNanos = System.nanoTime() - store.lastChangeNanos();
        if (quietNanos < config.quietPeriod().toNanos()) {
            return;
        }
        String fingerprint = store.snapshot().fingerprint();
        if (fingerprint.equals(versions.latestFingerprint())) {
            synchronized (this) {
                handledGeneration = generation;
            }
            Log.infof("The newest model was trained on exactly these %d bottlenecks; no run needed",
                    store.snapshot().images().size());
            return;
        }
        try {
            TrainingRun run = start(TrainingRun.Trigger.QUIET_PERIOD);
            Log.infof("No new bottlenecks for %s: started run %d", config.quietPeriod(), run.runId());
        } catch (TrainingRefusedException e) {
            Log.warn(e.getMessage());
        } catch (RunInProgressException e) {
            Log.debug(e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
