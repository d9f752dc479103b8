package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.ScalarSummaryWriter;
import io.retrainstream.trainer.model.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What a run writes as it trains, published or not: TensorBoard summaries ({@code summaries_dir}) and intermediate
 * frozen graphs ({@code intermediate_output_graphs_dir}), each run in its own sub-folder {@code <time>-run<id>}. Only
 * the newest {@code trainer.output-versions-kept} run folders are kept.
 */
final class RunDiagnostics implements TrainingListener {

    /** A run's diagnostics folder: {@code <UTC start>-run<id>}. */
    private static final Pattern RUN_FOLDER = Pattern.compile("([0-9]{8}T[0-9]{6}Z)-run([0-9]{1,18})");

    private final TrainingParams params;
    private final BiFunction<float[], float[], ExportedModel> model;
    private final Consumer<String> progress;
    private final String runName;
    private final int versionsKept;
    private final Map<Path, ScalarSummaryWriter> summaries = new LinkedHashMap<>();

    /** @param model the exported model of some weights and biases */
    RunDiagnostics(
            TrainingParams params,
            BiFunction<float[], float[], ExportedModel> model,
            Consumer<String> progress,
            String runName,
            int versionsKept) {
        this.params = params;
        this.model = model;
        this.progress = progress;
        this.runName = runName;
        this.versionsKept = versionsKept;
    }

    @Override
    public void evaluated(String run, TrainedHead.Evaluation evaluation) {
        if (params.summariesDir().isBlank()) {
            return;
        }
        Path root = Path.of(params.summariesDir()).resolve(runName).resolve(run);
        summaries
                .computeIfAbsent(root.resolve("train"), ScalarSummaryWriter::new)
                .write(evaluation.step(), evaluation.trainAccuracy(), evaluation.crossEntropy());
        if (!Double.isNaN(evaluation.validationAccuracy())) {
            summaries
                    .computeIfAbsent(root.resolve("validation"), ScalarSummaryWriter::new)
                    .write(evaluation.step(), evaluation.validationAccuracy(), evaluation.validationCrossEntropy());
        }
    }

    @Override
    public void intermediate(String run, int step, float[] weights, float[] biases) {
        Path file = Path.of(params.intermediateOutputGraphsDir())
                .resolve(runName)
                .resolve(run)
                .resolve("intermediate_" + step + ".pb");
        model.apply(weights, biases).writeFrozenGraph(file);
        progress.accept("Save intermediate result to : " + file);
    }

    /** Closes the summary files. */
    void closeSummaries() {
        summaries.values().forEach(ScalarSummaryWriter::close);
        summaries.clear();
    }

    /** Deletes the diagnostics of runs beyond the newest {@code trainer.output-versions-kept}. */
    void pruneOldRuns() {
        if (versionsKept > 0) {
            pruneRuns(params.summariesDir());
            pruneRuns(params.intermediateOutputGraphsDir());
        }
    }

    /** Deletes the run folders in {@code dir} beyond the newest {@code trainer.output-versions-kept}. */
    private void pruneRuns(String dir) {
        if (dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            return;
        }
        try {
            // By start time, then by run id.
            for (Path old : OutputFolders.beyondNewest(
                    Path.of(dir),
                    RUN_FOLDER,
                    true,
                    versionsKept,
                    run -> run.group(1) + String.format("%019d", Long.parseLong(run.group(2))))) {
                OutputFolders.deleteRecursively(old);
            }
        } catch (IOException | RuntimeException e) {
            Log.warnf("Cannot delete old run folders in %s: %s", dir, e.getMessage());
        }
    }
}
