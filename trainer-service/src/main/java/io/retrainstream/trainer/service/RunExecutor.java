package io.retrainstream.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.common.DataSet;
import io.retrainstream.common.Freshness;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.View;
import io.retrainstream.trainer.data.RunReport;
import io.retrainstream.trainer.data.RunSample;
import io.retrainstream.trainer.data.StepRule;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingData;
import io.retrainstream.trainer.data.TrainingMode;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.DistortedBatches;
import io.retrainstream.trainer.model.HeadTrainer;
import io.retrainstream.trainer.model.RunCancelledException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Carries out runs, one at a time on the {@code training-run} thread: chooses the features, trains the head, writes its
 * files, puts it through the promotion gate and ends the run with its report. A cancelled run ends {@code CANCELLED}
 * until it starts publishing; any failure, an {@link Error} included, ends it {@code FAILED}.
 */
@ApplicationScoped
public class RunExecutor {

    private final RunOutputs outputs;
    private final DistortionClient distortions;
    private final WarmStarts warmStarts;
    private final CandidatePromotion promotion;
    private final MeterRegistry registry;
    private final Timer runTimer;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "training-run"));

    public RunExecutor(
            RunOutputs outputs,
            DistortionClient distortions,
            WarmStarts warmStarts,
            CandidatePromotion promotion,
            MeterRegistry registry) {
        this.outputs = outputs;
        this.distortions = distortions;
        this.warmStarts = warmStarts;
        this.promotion = promotion;
        this.registry = registry;
        this.runTimer = Timer.builder("trainer.run.duration")
                .description("Wall time of training runs")
                .register(registry);
    }

    /** Queues {@code run} over {@code snapshot}'s images of {@code labels}. */
    void submit(TrainingRun run, BottleneckStore.Snapshot snapshot, List<String> labels, RunOptions.Parsed options) {
        executor.submit(() -> execute(run, snapshot, labels, options));
    }

    /** Queues {@code task} on the training thread (a run that waits before it takes its snapshot). */
    void submit(Runnable task) {
        executor.submit(task);
    }

    /** Carries {@code run} out now, on the calling thread (the training thread, from a task of {@link #submit}). */
    void execute(TrainingRun run, BottleneckStore.Snapshot snapshot, List<String> labels, RunOptions.Parsed options) {
        long start = System.nanoTime();
        TrainingParams params = options.params();
        try {
            Map<String, Long> timings = new LinkedHashMap<>();
            FeatureLayer layer = layer(run, snapshot, params);
            Optional<ModelPublished> from =
                    options.warmStart() ? warmStarts.from(run, snapshot.architecture(), layer) : Optional.empty();
            DataSet[] sets = snapshot.sets(params.splitRule());
            RunSample.Selection selection = sample(run, snapshot, sets, options, from);
            List<String> viewNotes = new ArrayList<>();
            options.viewsNote().ifPresent(viewNotes::add);
            List<View> views = views(options.views(), layer, snapshot, viewNotes);
            viewNotes.forEach(note -> run.progress("Views: " + note));
            TrainingData data = snapshot.trainingData(labels, selection.indices(), sets, layer, views);
            // the step rule counts photos: samples_per_training_photo is per photo, whatever its views
            Optional<StepRule> stepRule = options.stepRule(data.training().photos());
            params = options.params(data.training().photos());
            stepRule.ifPresent(rule -> run.progress("samples_per_training_photo: " + rule.explain()));
            timings.put("prepare", millisSince(start));
            run.progress(String.format(
                    "Run %d: training %d classes %s on %d training, %d validation and %d test "
                            + "%s vectors (size %d%s) of %s (mode %s, %s, %d steps, learning rate %s, batch %d)",
                    run.runId(),
                    labels.size(),
                    labels,
                    data.training().count(),
                    data.validation().count(),
                    data.testing().count(),
                    layer.id(),
                    data.bottleneckSize(),
                    data.mirrored()
                            ? String.format(
                                    "; views %s, %d training and %d validation vectors of mirrors, the test answered "
                                            + "on the mean over a photo's views",
                                    View.ids(views),
                                    data.training().mirrorRows(),
                                    data.validation().mirrorRows())
                            : "",
                    snapshot.architecture(),
                    params.mode().id(),
                    from.map(m -> "warm start from version " + m.version()).orElse("cold start"),
                    params.howManyTrainingSteps(),
                    params.learningRate(),
                    params.trainBatchSize()));
            long trainStart = System.nanoTime();
            TrainedHead head;
            Promoter.Outcome outcome;
            try (RunOutputs.Writer files =
                    outputs.open(params, run.runId(), snapshot.architecture(), layer, labels, views, run::progress)) {
                DistortedBatches distorted = null;
                if (params.distortions().any()) {
                    run.progress("Training images are distorted by the extractor each step: " + params.distortions());
                    distorted = distortions.batches(data, snapshot.images(), params.distortions());
                }
                head = new HeadTrainer(params, run::progress, files, distorted)
                        .cancelledBy(run.cancellation())
                        .withMiniBatches(options.miniBatches())
                        .train(data, from.map(WarmStarts::of).orElse(null), !options.warmStart());
                timings.put("train_and_test", millisSince(trainStart));
                long outputStart = System.nanoTime();
                files.stage(head, run.cancellation());
                timings.put("outputs", millisSince(outputStart));
                if (!run.startPublishing()) {
                    throw new RunCancelledException();
                }
                long promoteStart = System.nanoTime();
                outcome = promotion.promote(
                        run,
                        snapshot,
                        labels,
                        params,
                        layer,
                        data,
                        head,
                        selection.testing(),
                        start,
                        options.forcePublish());
                // the gate (with the freshness bookkeeping) apart from the Kafka transaction that publishes
                timings.put("gate", millisSince(promoteStart) - outcome.publishMillis());
                timings.put("publish", outcome.publishMillis());
                if (outcome.model() != null) {
                    long commitStart = System.nanoTime();
                    commitOutputs(run, files, outcome.model().version());
                    timings.put("commit_outputs", millisSince(commitStart));
                }
            }
            timings.put("total", millisSince(start));
            end(
                    run,
                    params,
                    stepRule,
                    viewNotes,
                    selection,
                    snapshot.architecture(),
                    data,
                    head,
                    timings,
                    from,
                    outcome);
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

    /** The images the run trains, validates and tests on: all, or samples of the large sets ({@link RunSample}). */
    private static RunSample.Selection sample(
            TrainingRun run,
            BottleneckStore.Snapshot snapshot,
            DataSet[] sets,
            RunOptions.Parsed options,
            Optional<ModelPublished> from) {
        long learnedThrough = from.map(
                        m -> m.metrics() == null ? 0L : m.metrics().learnedThrough())
                .orElse(0L);
        RunSample.Selection selection = options.sample()
                .select(
                        snapshot.size(),
                        i -> sets[i],
                        snapshot::imageTime,
                        snapshot::imageId,
                        from.isPresent(),
                        learnedThrough);
        if (selection.trainingLeftOut() > 0 || selection.validationLeftOut() > 0) {
            run.progress(String.format(
                    "Large sets: leaving out %d training and %d validation images, evenly spread "
                            + "(trainer.large-sets: %s)",
                    selection.trainingLeftOut(), selection.validationLeftOut(), options.sample()));
        }
        if (selection.testingLeftOut() > 0) {
            run.progress("Large sets: " + testSample(selection) + ", the same for every run of these images");
        }
        return selection;
    }

    /** What the test figures are on when the test set is sampled. */
    private static String testSample(RunSample.Selection selection) {
        int tested = selection.testing().length;
        return String.format(
                "testing on a sample of %d of %d test images, those of lowest image-id hash "
                        + "(trainer.large-sets.test-images)",
                tested, tested + selection.testingLeftOut());
    }

    /**
     * The improved mode trains on the pooled features when every image has them, else on the bottleneck; the retrain
     * mode on the bottleneck. A layer the store does not keep fails the run, saying which setting keeps it.
     */
    private static FeatureLayer layer(TrainingRun run, BottleneckStore.Snapshot snapshot, TrainingParams params) {
        FeatureLayer layer = FeatureLayer.BOTTLENECK;
        if (params.mode() == TrainingMode.IMPROVED) {
            if (snapshot.available(FeatureLayer.POOLED)) {
                return FeatureLayer.POOLED;
            }
            run.progress("Some bottlenecks came without pooled features: training on retrain.py's bottleneck");
        }
        if (!snapshot.available(layer)) {
            throw new IllegalStateException("Mode " + params.mode().id() + " trains on the " + layer.id()
                    + " vectors, which the trainer does not keep for every image (it keeps "
                    + snapshot.rows().keySet() + "): set trainer.kept-layers (TRAINER_KEPT_LAYERS) to "
                    + "bottleneck,pooled, or trainer.mode to " + params.mode().id()
                    + ", and restart the trainer; it reads the vectors back from the topic");
        }
        return layer;
    }

    /**
     * The run's views on {@code layer}: a head on another layer than the pooled one (the improved mode falls back to
     * the bottleneck when some images came without pooled features) has the original view alone, said in
     * {@code notes}; so is a mirror view none of the images has.
     */
    private static List<View> views(
            List<View> asked, FeatureLayer layer, BottleneckStore.Snapshot snapshot, List<String> notes) {
        if (!View.mirrored(asked)) {
            return asked;
        }
        if (layer != FeatureLayer.POOLED) {
            notes.add("the head is trained on the " + layer.id() + " layer, which has no mirror view: it learns from "
                    + "and answers on the original view alone");
            return View.ORIGINAL_ONLY;
        }
        if (!snapshot.keeps(FeatureLayer.MIRROR)) {
            notes.add("no image has its mirror view's vector: the head learns from the original view alone and will "
                    + "answer the mean over a photo and its mirror. Set retrain.views=original,mirror (RETRAIN_VIEWS) "
                    + "on the extractor so that it computes the mirrors, and on the trainer when trainer.kept-layers "
                    + "is set, so that it keeps them");
        }
        return asked;
    }

    /** Ends the run with its report: published or rejected. */
    private void end(
            TrainingRun run,
            TrainingParams params,
            Optional<StepRule> stepRule,
            List<String> viewNotes,
            RunSample.Selection selection,
            String architecture,
            TrainingData data,
            TrainedHead head,
            Map<String, Long> timings,
            Optional<ModelPublished> from,
            Promoter.Outcome outcome) {
        ModelPublished model = outcome.model();
        Map<String, Object> extra =
                new LinkedHashMap<>(stepRule.map(StepRule::reportParameters).orElse(Map.of()));
        if (selection.testingLeftOut() > 0) {
            extra.put("test_sample", testSample(selection));
        }
        extra.put(RunOptions.VIEWS, View.ids(data.views()));
        if (!viewNotes.isEmpty()) {
            extra.put("views_note", String.join("; ", viewNotes));
        }
        RunReport report = RunReport.of(params, architecture, data, head, timings)
                .withParameters(extra)
                .with(
                        from.map(m -> "warm from version " + m.version()).orElse("cold"),
                        outcome.decision(),
                        model == null ? null : Freshness.of(model.metrics().newImageTimes(), model.publishedAt()));
        if (model != null) {
            run.succeeded(model.version(), head.testAccuracy(), head.testCount(), report);
            Log.infof("Run %d published model version %d", run.runId(), model.version());
            registry.counter("trainer.runs", "outcome", "published").increment();
        } else {
            run.rejected(outcome.decision().reason(), head.testAccuracy(), head.testCount(), report);
            registry.counter("trainer.runs", "outcome", "rejected").increment();
        }
    }

    /** Moves the staged outputs into place; the version is published already, so a failure is logged, not raised. */
    private static void commitOutputs(TrainingRun run, RunOutputs.Writer files, long version) {
        try {
            files.commit(version);
        } catch (RuntimeException e) {
            Log.errorf(e, "Run %d: the outputs of version %d were not written", run.runId(), version);
            run.progress("The outputs of version " + version + " were not written: " + e.getMessage());
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
