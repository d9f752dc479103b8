package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.TrainedHead;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.Cancellation;
import io.retrainstream.trainer.model.ScalarSummaryWriter;
import io.retrainstream.trainer.model.TrainingListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The files a run writes in TensorFlow's own formats, where its parameters ask for them, and where they may go.
 * <ul>
 * <li>Diagnostics, written as training goes by every run (also one that is rejected or cancelled): TensorBoard
 * summaries and intermediate frozen graphs, each run in its own sub-folder {@code <time>-run<id>}.</li>
 * <li>The model of a published version: {@code saved_model_dir/<version>/} (TensorFlow Serving's layout),
 * {@code output_graph} and {@code output_labels}, each also kept as {@code <name>.<version><ext>}. They are
 * {@linkplain Writer#stage staged} under hidden temporary names beside their destinations before the promotion gate,
 * and {@linkplain Writer#commit moved into place} by atomic renames once the version is published; a run that is not
 * published leaves none of them.</li>
 * <li>Only the newest {@code trainer.output-versions-kept} versions, and as many run folders of diagnostics, are
 * kept.</li>
 * </ul>
 * Paths a request gives ({@link #confined}) must lie under {@code trainer.output-root}; configured ones may be anywhere.
 * The graphs need the CNN's frozen graph, found in {@code retrain.model-dir} as the extractor finds it.
 */
@ApplicationScoped
public class RunOutputs {

    /** The options that name files or folders, by {@code retrain.py} name. */
    public static final List<String> FILE_OPTIONS = List.of(
            "output_labels", "output_graph", "saved_model_dir", "summaries_dir", "intermediate_output_graphs_dir");

    private static final DateTimeFormatter RUN_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final String STAGING = ".staging-";
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");
    /** A run's diagnostics folder: {@code <UTC start>-run<id>}. */
    private static final Pattern RUN_FOLDER = Pattern.compile("([0-9]{8}T[0-9]{6}Z)-run([0-9]{1,18})");

    private final Optional<Path> modelDir;
    private final Path outputRoot;
    private final int versionsKept;

    @Inject
    public RunOutputs(TrainerConfig config, @ConfigProperty(name = "retrain.model-dir") Optional<Path> modelDir) {
        this(modelDir, config.outputRoot(), config.outputVersionsKept());
    }

    public RunOutputs(Optional<Path> modelDir, Path outputRoot, int versionsKept) {
        if (versionsKept < 0) {
            throw new IllegalArgumentException(
                    "trainer.output-versions-kept must be 0 (all) or positive, got " + versionsKept);
        }
        this.modelDir = modelDir;
        this.outputRoot = outputRoot.toAbsolutePath().normalize();
        this.versionsKept = versionsKept;
    }

    /**
     * A request's options with its {@link #FILE_OPTIONS} resolved under the output root. Each must be a relative path
     * without {@code ..}, and no existing part of it may be a symbolic link that leads out of the root; an empty
     * value means no file, as in the configuration.
     *
     * @throws IllegalArgumentException naming the option and what is wrong with its path
     */
    public Map<String, Object> confined(Map<String, ?> options) {
        Map<String, Object> confined = new LinkedHashMap<>(options);
        for (String option : FILE_OPTIONS) {
            if (options.get(option) != null) {
                confined.put(option, confine(option, String.valueOf(options.get(option))));
            }
        }
        return confined;
    }

    private String confine(String option, String value) {
        if (value.isBlank()) {
            return "";
        }
        Path relative;
        try {
            relative = Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(option + " is not a valid path: " + e.getReason());
        }
        if (relative.isAbsolute()) {
            throw new IllegalArgumentException(option + " must be a path relative to the trainer's output root "
                    + "(trainer.output-root), got the absolute path '" + value + "'");
        }
        for (Path name : relative) {
            if (name.toString().equals("..")) {
                throw new IllegalArgumentException(option + " must stay under the trainer's output root: '..' is "
                        + "not allowed, got '" + value + "'");
            }
        }
        Path root = realRoot();
        Path current = root;
        for (Path name : relative) {
            current = current.resolve(name);
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                break;
            }
            Path real;
            try {
                real = current.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        option + " cannot be resolved under the output root: " + e.getMessage());
            }
            if (!real.startsWith(root)) {
                throw new IllegalArgumentException(option + " must stay under the trainer's output root: '"
                        + root.relativize(current) + "' is a symbolic link that leads out of it, got '" + value + "'");
            }
            current = real;
        }
        return root.resolve(relative).normalize().toString();
    }

    /** The output root with its symbolic links resolved, created when missing. */
    private Path realRoot() {
        try {
            Files.createDirectories(outputRoot);
            return outputRoot.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create the output root " + outputRoot + " (trainer.output-root): " + e.getMessage(), e);
        }
    }

    /** Opens the outputs of one run; fails at once, naming the file, when its graphs cannot be built. */
    public Writer open(
            TrainingParams params,
            long runId,
            String architecture,
            FeatureLayer layer,
            List<String> labels,
            Consumer<String> progress) {
        Path cnn = null;
        if (params.exportsGraphs()) {
            cnn = ModelFiles.locateGraph(Architecture.of(architecture), modelDir);
        }
        String runName = RUN_TIME.format(Instant.now()) + "-run" + runId;
        return new Writer(params, Architecture.of(architecture), cnn, layer, labels, progress, runName, versionsKept);
    }

    /** One run's outputs. */
    public static final class Writer implements TrainingListener, AutoCloseable {
        private final TrainingParams params;
        private final Architecture architecture;
        private final Path cnn;
        private final FeatureLayer layer;
        private final List<String> labels;
        private final Consumer<String> progress;
        private final String runName;
        private final int versionsKept;
        private final Map<Path, ScalarSummaryWriter> summaries = new LinkedHashMap<>();
        /** Staged files by destination, until committed or discarded. */
        private final Map<Path, Path> stagedFiles = new LinkedHashMap<>();
        /** The staged SavedModel folder, until committed or discarded; null for none. */
        private Path stagedSavedModel;

        Writer(
                TrainingParams params,
                Architecture architecture,
                Path cnn,
                FeatureLayer layer,
                List<String> labels,
                Consumer<String> progress,
                String runName,
                int versionsKept) {
            this.params = params;
            this.architecture = architecture;
            this.cnn = cnn;
            this.layer = layer;
            this.labels = labels;
            this.progress = progress;
            this.runName = runName;
            this.versionsKept = versionsKept;
        }

        /** The run's sub-folder name in {@code summaries_dir} and {@code intermediate_output_graphs_dir}. */
        public String runName() {
            return runName;
        }

        private ExportedModel model(float[] weights, float[] biases) {
            return new ExportedModel(architecture, cnn, layer, labels, weights, biases, params.finalTensorName());
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
            model(weights, biases).writeFrozenGraph(file);
            progress.accept("Save intermediate result to : " + file);
        }

        /**
         * Writes the final files the parameters ask for under hidden temporary names beside their destinations
         * ({@code .<name>.staging-<run>}; a SavedModel in {@code <saved_model_dir>/.staging-<run>/}), which
         * TensorFlow Serving and the other readers of the destinations ignore. Asks {@code cancellation} before
         * each file.
         */
        public void stage(TrainedHead head, Cancellation cancellation) {
            ExportedModel model = model(head.weights(), head.biases());
            cancellation.check();
            if (!params.outputLabels().isBlank()) {
                Path file = Path.of(params.outputLabels());
                Path temp = hidden(file);
                stagedFiles.put(file, temp);
                model.writeLabels(temp);
            }
            cancellation.check();
            if (!params.outputGraph().isBlank()) {
                Path file = Path.of(params.outputGraph());
                Path temp = hidden(file);
                stagedFiles.put(file, temp);
                model.writeFrozenGraph(temp);
            }
            cancellation.check();
            if (!params.savedModelDir().isBlank()) {
                Path dir = Path.of(params.savedModelDir());
                createDirectories(dir);
                stagedSavedModel = dir.resolve(STAGING + runName);
                model.writeSavedModel(stagedSavedModel);
            }
        }

        private Path hidden(Path file) {
            return file.resolveSibling("." + file.getFileName() + STAGING + runName);
        }

        /**
         * Moves the staged files into place as published version {@code version}: the SavedModel to
         * {@code <saved_model_dir>/<version>/}, the graph and labels to {@code <name>.<version><ext>} and over
         * {@code <name><ext>}, each by one atomic rename, so a reader sees the old file or the new one, never part of
         * either. Then deletes the versions beyond the newest {@code trainer.output-versions-kept}.
         */
        public void commit(long version) {
            try {
                for (Map.Entry<Path, Path> entry : stagedFiles.entrySet()) {
                    commitFile(entry.getKey(), entry.getValue(), version);
                }
                stagedFiles.clear();
                if (stagedSavedModel != null) {
                    commitSavedModel(Path.of(params.savedModelDir()), stagedSavedModel, version);
                    stagedSavedModel = null;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot move the outputs of version " + version + " into place: " + e.getMessage(), e);
            }
        }

        private void commitSavedModel(Path dir, Path temp, long version) throws IOException {
            Path target = dir.resolve(Long.toString(version));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                // Versions restart only when the models topic was deleted: the old folder is of another model.
                Path aside = dir.resolve(".replaced-" + version + "-" + runName);
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                Log.warnf("%s existed already (the models topic started again?): replaced", target);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(aside);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            progress.accept("Wrote the SavedModel of version " + version + " to " + target);
            if (versionsKept > 0) {
                for (Path old : olderVersions(dir, NUMBER, true)) {
                    deleteRecursively(old);
                }
            }
        }

        private void commitFile(Path file, Path temp, long version) throws IOException {
            Path versioned = versioned(file, version);
            Files.move(temp, versioned, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Path latest = hidden(file);
            Files.copy(versioned, latest, StandardCopyOption.REPLACE_EXISTING);
            Files.move(latest, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            progress.accept("Wrote version " + version + " to " + file + " and " + versioned);
            if (versionsKept > 0) {
                String[] parts = stemAndExtension(file);
                Pattern pattern = Pattern.compile(Pattern.quote(parts[0]) + "\\.([0-9]+)" + Pattern.quote(parts[1]));
                for (Path old : olderVersions(file.toAbsolutePath().getParent(), pattern, false)) {
                    Files.deleteIfExists(old);
                }
            }
        }

        /** Entries of {@code dir} whose names match {@code pattern} (group 1, or all: the version) beyond the kept. */
        private List<Path> olderVersions(Path dir, Pattern pattern, boolean folders) throws IOException {
            List<Map.Entry<Long, Path>> versions = new ArrayList<>();
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : (Iterable<Path>) entries::iterator) {
                    Matcher matcher = pattern.matcher(entry.getFileName().toString());
                    if (matcher.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) == folders) {
                        String number = matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
                        if (number.length() < 19) {
                            versions.add(Map.entry(Long.parseLong(number), entry));
                        }
                    }
                }
            }
            versions.sort(Map.Entry.<Long, Path>comparingByKey().reversed());
            return versions.stream().skip(versionsKept).map(Map.Entry::getValue).toList();
        }

        /** {@code graph.pb} → {@code graph.3.pb}; {@code labels} → {@code labels.3}. */
        static Path versioned(Path file, long version) {
            String[] parts = stemAndExtension(file);
            return file.resolveSibling(parts[0] + "." + version + parts[1]);
        }

        private static String[] stemAndExtension(Path file) {
            String name = file.getFileName().toString();
            int dot = name.lastIndexOf('.');
            return dot > 0 ? new String[] {name.substring(0, dot), name.substring(dot)} : new String[] {name, ""};
        }

        /** Deletes what {@link #stage} wrote and no {@link #commit} moved: the run was not published. */
        public void discard() {
            List<Path> temps = new ArrayList<>(stagedFiles.values());
            if (stagedSavedModel != null) {
                temps.add(stagedSavedModel);
            }
            for (Path temp : temps) {
                try {
                    deleteRecursively(temp);
                } catch (IOException e) {
                    Log.warnf("Cannot delete the staged output %s: %s", temp, e.getMessage());
                }
            }
            stagedFiles.clear();
            stagedSavedModel = null;
        }

        /** Closes the summary files, deletes what was staged and not committed, and old runs' diagnostics. */
        @Override
        public void close() {
            summaries.values().forEach(ScalarSummaryWriter::close);
            summaries.clear();
            discard();
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
                List<Map.Entry<String, Path>> runs = new ArrayList<>();
                try (Stream<Path> entries = Files.list(Path.of(dir))) {
                    for (Path entry : (Iterable<Path>) entries::iterator) {
                        Matcher matcher = RUN_FOLDER.matcher(entry.getFileName().toString());
                        if (matcher.matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                            // Oldest first: by start time, then by run id.
                            runs.add(Map.entry(
                                    matcher.group(1) + String.format("%019d", Long.parseLong(matcher.group(2))),
                                    entry));
                        }
                    }
                }
                runs.sort(Map.Entry.<String, Path>comparingByKey().reversed());
                for (Map.Entry<String, Path> old : runs.subList(Math.min(versionsKept, runs.size()), runs.size())) {
                    deleteRecursively(old.getValue());
                }
            } catch (IOException | RuntimeException e) {
                Log.warnf("Cannot delete old run folders in %s: %s", dir, e.getMessage());
            }
        }

        private static void createDirectories(Path dir) {
            try {
                Files.createDirectories(dir);
            } catch (FileAlreadyExistsException e) {
                throw new UncheckedIOException("Cannot write the SavedModel: " + dir + " is not a folder", e);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
            }
        }

        private static void deleteRecursively(Path path) throws IOException {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(entry);
                    }
                }
            } else {
                Files.deleteIfExists(path);
            }
        }
    }
}
