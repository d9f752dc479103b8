package io.retrainstream.common.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds an architecture's frozen graph: first in an explicit model dir ({@code retrain.py --model_dir} layout), then
 * in the user's cache folder. When it is in neither, the error says which file to put where.
 */
public final class ModelFiles {

    /** Environment variable that overrides the cache folder. */
    public static final String CACHE_ENV = "RETRAIN_MODEL_CACHE";

    private ModelFiles() {
    }

    /** The default cache folder: {@code $RETRAIN_MODEL_CACHE}, else {@code $XDG_CACHE_HOME/retrain-stream/models}, else {@code ~/.cache/retrain-stream/models}. */
    public static Path defaultCacheDir() {
        String override = System.getenv(CACHE_ENV);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("retrain-stream").resolve("models");
    }

    public static Path locateGraph(Architecture architecture, Optional<Path> modelDir) {
        List<Path> candidates = new ArrayList<>();
        modelDir.ifPresent(dir -> candidates.add(dir.toAbsolutePath().normalize().resolve(architecture.relativeGraphPath())));
        candidates.add(defaultCacheDir().resolve(architecture.relativeGraphPath()));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        Path target = modelDir.map(dir -> dir.toAbsolutePath().normalize()).orElse(defaultCacheDir());
        throw new ModelNotFoundException("No graph for " + architecture.name() + ": looked for "
                + candidates + ". Download " + architecture.downloadUrl() + ", unpack it into "
                + target.resolve(architecture.folder()) + " so that "
                + target.resolve(architecture.relativeGraphPath()) + " exists, or pass --model-dir pointing at a "
                + "folder in retrain.py's download layout (e.g. ../shared/models).");
    }

    /** Thrown when an architecture's graph file is nowhere to be found; the message says what to do. */
    public static final class ModelNotFoundException extends RuntimeException {
        public ModelNotFoundException(String message) {
            super(message);
        }
    }
}
