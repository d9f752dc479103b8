package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.tf.ExportedModel;
import io.retrainstream.trainer.data.TrainingParams;
import io.retrainstream.trainer.model.Cancellation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The model files of one run that may become a published version: {@code saved_model_dir/<version>/} (TensorFlow
 * Serving's layout), {@code output_graph} and {@code output_labels}, each also kept as {@code <name>.<version><ext>}.
 * They are {@linkplain #stage staged} under hidden temporary names beside their destinations before the promotion
 * gate, and {@linkplain #commit moved into place} by atomic renames once the version is published; a run that is not
 * published leaves none of them ({@link #discard}). Only the newest {@code trainer.output-versions-kept} versions are
 * kept.
 */
final class StagedModelFiles {

    private static final String STAGING = ".staging-";
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

    private final TrainingParams params;
    private final Consumer<String> progress;
    private final String runName;
    private final int versionsKept;
    /** Staged files by destination, until committed or discarded. */
    private final Map<Path, Path> stagedFiles = new LinkedHashMap<>();
    /** The staged SavedModel folder, until committed or discarded; null for none. */
    private Path stagedSavedModel;

    StagedModelFiles(TrainingParams params, Consumer<String> progress, String runName, int versionsKept) {
        this.params = params;
        this.progress = progress;
        this.runName = runName;
        this.versionsKept = versionsKept;
    }

    /**
     * Writes the final files the parameters ask for under hidden temporary names beside their destinations
     * ({@code .<name>.staging-<run>}; a SavedModel in {@code <saved_model_dir>/.staging-<run>/}), which TensorFlow
     * Serving and the other readers of the destinations ignore. Asks {@code cancellation} before each file.
     */
    void stage(ExportedModel model, Cancellation cancellation) {
        cancellation.check();
        stageFile(params.outputLabels(), model::writeLabels);
        cancellation.check();
        stageFile(params.outputGraph(), model::writeFrozenGraph);
        cancellation.check();
        if (!params.savedModelDir().isBlank()) {
            Path dir = Path.of(params.savedModelDir());
            OutputFolders.createDirectories(dir);
            stagedSavedModel = dir.resolve(STAGING + runName);
            model.writeSavedModel(stagedSavedModel);
        }
    }

    /** Writes the file {@code destination} names (none when blank) under its hidden temporary name. */
    private void stageFile(String destination, Consumer<Path> write) {
        if (!destination.isBlank()) {
            Path file = Path.of(destination);
            Path temp = hidden(file);
            stagedFiles.put(file, temp);
            write.accept(temp);
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
    void commit(long version) {
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
            OutputFolders.deleteRecursively(aside);
        } else {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        progress.accept("Wrote the SavedModel of version " + version + " to " + target);
        if (versionsKept > 0) {
            for (Path old : OutputFolders.beyondNewest(dir, NUMBER, true, versionsKept, OutputFolders::version)) {
                OutputFolders.deleteRecursively(old);
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
            for (Path old : OutputFolders.beyondNewest(
                    file.toAbsolutePath().getParent(), pattern, false, versionsKept, OutputFolders::version)) {
                Files.deleteIfExists(old);
            }
        }
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
    void discard() {
        List<Path> temps = new ArrayList<>(stagedFiles.values());
        if (stagedSavedModel != null) {
            temps.add(stagedSavedModel);
        }
        for (Path temp : temps) {
            try {
                OutputFolders.deleteRecursively(temp);
            } catch (IOException e) {
                Log.warnf("Cannot delete the staged output %s: %s", temp, e.getMessage());
            }
        }
        stagedFiles.clear();
        stagedSavedModel = null;
    }
}
