package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelDownloader;
import io.retrainstream.common.model.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@code ./retrain up} checks before it starts anything: the architecture and its graph (downloaded into the
 * cache when missing), the built jars, free ports, and that no stack runs already. Each failure says what to do.
 */
final class Preflight {

    private Preflight() {}

    static Architecture architecture(String name) {
        try {
            return Architecture.of(name);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage() + ". See ./retrain architectures");
        }
    }

    /** The SavedModel folder when one is given, else the architecture's graph ({@link #checkModel}). */
    static void checkFeatureModel(Context context, Architecture architecture, UpCommand.Options options) {
        if (options.savedModel().isPresent()) {
            if (!Files.isRegularFile(options.savedModel().get().resolve("saved_model.pb"))) {
                throw new CliException("--saved-model " + options.savedModel().get()
                        + " is not a SavedModel folder (no saved_model.pb in it).");
            }
            if (options.views().contains(io.retrainstream.common.model.View.MIRROR)) {
                throw new CliException("--views original,mirror needs a frozen graph (--architecture): a SavedModel "
                        + "module has no mirror view. Leave --views out with --saved-model.");
            }
        } else {
            checkModel(context, architecture, options.modelDir());
        }
    }

    /**
     * Fails when an explicit model dir lacks the graph (it is read-only: nothing is downloaded into it); without one,
     * a graph missing from the cache is downloaded into it first, with a progress bar.
     */
    static void checkModel(Context context, Architecture architecture, Optional<Path> modelDir) {
        if (modelDir.isPresent() && !Files.isDirectory(modelDir.get())) {
            throw new CliException("Model dir " + modelDir.get() + " does not exist or is not a folder.");
        }
        try {
            ModelFiles.locateGraph(architecture, modelDir);
        } catch (ModelFiles.ModelNotFoundException e) {
            if (modelDir.isPresent()) {
                throw new CliException(e.getMessage());
            }
            download(context, architecture);
        }
    }

    /** Downloads the architecture's archive into the model cache with a progress bar on stderr. */
    static Path download(Context context, Architecture architecture) {
        context.err().println("Downloading " + architecture.downloadUrl() + " into " + ModelFiles.defaultCacheDir());
        StatusLine status = new StatusLine(context.err(), context.interactive());
        long start = System.nanoTime();
        try {
            Path graph = new ModelDownloader(
                            ModelFiles.defaultCacheDir(),
                            (bytes, total) -> status.update(
                                    ProgressBar.render(bytes, total, "bytes", ProgressBar.rate(bytes, start), "B/s")))
                    .obtain(architecture);
            status.done("Downloaded and checked " + graph);
            return graph;
        } catch (ModelDownloader.ModelDownloadException e) {
            status.clear();
            throw new CliException(e.getMessage());
        }
    }

    /** Refuses to start a second set of processes (judged by state.json and the pid files). */
    static void refuseIfRunning(Workspace workspace) {
        Map<String, Long> alive = new LinkedHashMap<>();
        State.load(workspace).ifPresent(state -> alive.putAll(state.alivePids()));
        alive.putAll(DownCommand.alivePidFiles(workspace));
        if (!alive.isEmpty()) {
            throw new CliException("retrain-stream is already running ("
                    + alive.entrySet().stream()
                            .map(e -> e.getKey() + " pid " + e.getValue())
                            .collect(Collectors.joining(", "))
                    + "). See ./retrain status, or stop it with ./retrain down.");
        }
    }

    static void checkBuilt(Workspace workspace) {
        List<Path> missing = new ArrayList<>();
        if (!Files.isDirectory(workspace.libDir())) {
            missing.add(workspace.libDir());
        }
        for (Service service : Service.values()) {
            if (!Files.isRegularFile(workspace.serviceJar(service))) {
                missing.add(workspace.serviceJar(service));
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException(
                    "Not built yet: " + missing.stream().map(workspace::display).collect(Collectors.joining(", "))
                            + ". Build with ./mvnw -B -DskipTests install "
                            + "(./retrain does it for you).");
        }
    }

    static void checkPorts(UpCommand.Options options) {
        List<Integer> kafkaPorts = options.kafkaPorts();
        for (int i = 0; i < kafkaPorts.size(); i++) {
            int port = kafkaPorts.get(i);
            if (!Processes.isPortFree(port)) {
                String what = i == 0
                        ? "is in use: is another Kafka running?"
                        : "(--kafka-port + " + i + ", Kafka's "
                                + (i % 2 == 0 ? "broker " + (i / 2 + 1) : "controller " + (i / 2 + 1))
                                + ") is in use.";
                throw new CliException("Port " + port + " " + what + " Pick another with --kafka-port (the "
                        + options.brokers() + (options.brokers() == 1 ? " broker uses" : " brokers use") + " "
                        + kafkaPorts.size() + " ports from it).");
            }
        }
        for (Map.Entry<Service, Integer> entry : options.ports().entrySet()) {
            if (!Processes.isPortFree(entry.getValue())) {
                throw new CliException("Port " + entry.getValue() + " for the "
                        + entry.getKey().id() + " is in use. Pick another with --"
                        + entry.getKey().id() + "-port.");
            }
        }
    }
}
