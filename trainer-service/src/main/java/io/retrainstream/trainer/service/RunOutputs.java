package io.retrainstream.trainer.service;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.trainer.model.ScalarSummaryWriter;
import io.retrainstream.trainer.model.TrainedHead;
import io.retrainstream.trainer.model.TrainingListener;
import io.retrainstream.trainer.model.TrainingParams;

/**
 * The files a run writes in TensorFlow's own formats, where its parameters ask for them: TensorBoard summaries and
 * intermediate frozen graphs as training goes, then {@code output_graph}, {@code output_labels} and
 * {@code saved_model_dir}. The graphs need the CNN's frozen graph, found in {@code retrain.model-dir} as the
 * extractor finds it.
 */
@ApplicationScoped
public class RunOutputs {

    private final Optional<Path> modelDir;

    public RunOutputs(@ConfigProperty(name = "retrain.model-dir") Optional<Path> modelDir) {
        this.modelDir = modelDir;
    }

    /** Opens the outputs of one run; fails at once, naming the file, when its graphs cannot be built. */
    public Writer open(TrainingParams params, String architecture, FeatureLayer layer, List<String> labels,
            Consumer<String> progress) {
        Path cnn = null;
        if (params.exportsGraphs()) {
            cnn = ModelFiles.locateGraph(Architecture.of(architecture), modelDir);
        }
        return new Writer(params, Architecture.of(architecture), cnn, layer, labels, progress);
    }

    /** One run's outputs. */
    public static final class Writer implements TrainingListener, AutoCloseable {
        private final TrainingParams params;
        private final Architecture architecture;
        private final Path cnn;
        private final FeatureLayer layer;
        private final List<String> labels;
        private final Consumer<String> progress;
        private final Map<Path, ScalarSummaryWriter> summaries = new LinkedHashMap<>();

        Writer(TrainingParams params, Architecture architecture, Path cnn, FeatureLayer layer, List<String> labels,
                Consumer<String> progress) {
            this.params = params;
            this.architecture = architecture;
            this.cnn = cnn;
            this.layer = layer;
            this.labels = labels;
            this.progress = progress;
        }

        private ExportedModel model(float[] weights, float[] biases) {
            return new ExportedModel(architecture, cnn, layer, labels, weights, biases, params.finalTensorName());
        }

        @Override
        public void evaluated(String run, TrainedHead.Evaluation evaluation) {
            if (params.summariesDir().isBlank()) {
                return;
            }
            Path root = Path.of(params.summariesDir()).resolve(run);
            summaries.computeIfAbsent(root.resolve("train"), ScalarSummaryWriter::new)
                    .write(evaluation.step(), evaluation.trainAccuracy(), evaluation.crossEntropy());
            if (!Double.isNaN(evaluation.validationAccuracy())) {
                summaries.computeIfAbsent(root.resolve("validation"), ScalarSummaryWriter::new)
                        .write(evaluation.step(), evaluation.validationAccuracy(),
                                evaluation.validationCrossEntropy());
            }
        }

        @Override
        public void intermediate(String run, int step, float[] weights, float[] biases) {
            Path file = Path.of(params.intermediateOutputGraphsDir()).resolve(run)
                    .resolve("intermediate_" + step + ".pb");
            model(weights, biases).writeFrozenGraph(file);
            progress.accept("Save intermediate result to : " + file);
        }

        /** Writes the final files the parameters ask for. */
        public void writeFinal(TrainedHead head) {
            ExportedModel model = model(head.weights(), head.biases());
            if (!params.outputLabels().isBlank()) {
                model.writeLabels(Path.of(params.outputLabels()));
                progress.accept("Wrote the labels to " + params.outputLabels());
            }
            if (!params.outputGraph().isBlank()) {
                model.writeFrozenGraph(Path.of(params.outputGraph()));
                progress.accept("Wrote the frozen graph to " + params.outputGraph());
            }
            if (!params.savedModelDir().isBlank()) {
                model.writeSavedModel(Path.of(params.savedModelDir()));
                progress.accept("Wrote the SavedModel to " + params.savedModelDir());
            }
        }

        @Override
        public void close() {
            summaries.values().forEach(ScalarSummaryWriter::close);
            summaries.clear();
        }
    }
}
