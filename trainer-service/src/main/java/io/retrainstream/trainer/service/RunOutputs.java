package io.retrainstream.trainer.service;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.Cancellation;
import io.retrainstream.trainer.model.TrainingListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The files a run writes in TensorFlow's own formats, where its parameters ask for them: its diagnostics as it trains
 * ({@link RunDiagnostics}) and the model of a published version ({@link StagedModelFiles}). Paths a request gives
 * are confined by {@link OutputRoot}; configured ones may be anywhere. The graphs need the CNN's frozen graph, found
 * in {@code retrain.model-dir} as the extractor finds it.
 */
@ApplicationScoped
public class RunOutputs {

    private static final DateTimeFormatter RUN_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Optional<Path> modelDir;
    private final int versionsKept;

    @Inject
    public RunOutputs(TrainerConfig config, @ConfigProperty(name = "retrain.model-dir") Optional<Path> modelDir) {
        this(modelDir, config.outputVersionsKept());
    }

    public RunOutputs(Optional<Path> modelDir, int versionsKept) {
        if (versionsKept < 0) {
            throw new IllegalArgumentException(
                    "trainer.output-versions-kept must be 0 (all) or positive, got " + versionsKept);
        }
        this.modelDir = modelDir;
        this.versionsKept = versionsKept;
    }

    /** Opens the outputs of one run of a head on the photo alone. */
    public Writer open(
            TrainingParams params,
            long runId,
            String architecture,
            FeatureLayer layer,
            List<String> labels,
            Consumer<String> progress) {
        return open(params, runId, architecture, layer, labels, View.ORIGINAL_ONLY, progress);
    }

    /**
     * Opens the outputs of one run whose head answers the mean over {@code views}; fails at once, naming the file,
     * when its graphs cannot be built.
     */
    public Writer open(
            TrainingParams params,
            long runId,
            String architecture,
            FeatureLayer layer,
            List<String> labels,
            List<View> views,
            Consumer<String> progress) {
        Architecture cnn = Architecture.of(architecture);
        Path cnnGraph = params.exportsGraphs() ? ModelFiles.locateGraph(cnn, modelDir) : null;
        String runName = RUN_TIME.format(Instant.now()) + "-run" + runId;
        BiFunction<float[], float[], ExportedModel> model = (weights, biases) ->
                exported(cnn, cnnGraph, new Head(labels, layer, weights, biases, views), params.finalTensorName());
        return new Writer(
                runName,
                model,
                new RunDiagnostics(params, model, progress, runName, versionsKept),
                new StagedModelFiles(params, progress, runName, versionsKept));
    }

    /**
     * The exported graphs of {@code head}, the one place a run's head becomes an {@link ExportedModel}: the head
     * carries its views; how the exported graphs answer on them is {@link ExportedModel}'s.
     */
    static ExportedModel exported(Architecture cnn, Path cnnGraph, Head head, String finalTensorName) {
        return new ExportedModel(
                cnn, cnnGraph, head.layer(), head.labels(), head.weights(), head.biases(), finalTensorName);
    }

    /** One run's outputs: its diagnostics as it trains, then its staged model files. */
    public static final class Writer implements TrainingListener, AutoCloseable {
        private final String runName;
        private final BiFunction<float[], float[], ExportedModel> model;
        private final RunDiagnostics diagnostics;
        private final StagedModelFiles staged;

        private Writer(
                String runName,
                BiFunction<float[], float[], ExportedModel> model,
                RunDiagnostics diagnostics,
                StagedModelFiles staged) {
            this.runName = runName;
            this.model = model;
            this.diagnostics = diagnostics;
            this.staged = staged;
        }

        /** The run's sub-folder name in {@code summaries_dir} and {@code intermediate_output_graphs_dir}. */
        public String runName() {
            return runName;
        }

        @Override
        public void evaluated(String run, TrainedHead.Evaluation evaluation) {
            diagnostics.evaluated(run, evaluation);
        }

        @Override
        public void intermediate(String run, int step, float[] weights, float[] biases) {
            diagnostics.intermediate(run, step, weights, biases);
        }

        /** Stages the final files of {@code head} ({@link StagedModelFiles#stage}). */
        public void stage(TrainedHead head, Cancellation cancellation) {
            staged.stage(model.apply(head.weights(), head.biases()), cancellation);
        }

        /** Moves the staged files into place as published version {@code version} ({@link StagedModelFiles#commit}). */
        public void commit(long version) {
            staged.commit(version);
        }

        /** Deletes what was staged and not committed: the run was not published. */
        public void discard() {
            staged.discard();
        }

        /** Closes the summary files, deletes what was staged and not committed, and old runs' diagnostics. */
        @Override
        public void close() {
            diagnostics.closeSummaries();
            staged.discard();
            diagnostics.pruneOldRuns();
        }
    }
}
