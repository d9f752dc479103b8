package io.retrainstream.common.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Finds an architecture's frozen graph: first in an explicit model dir ({@code retrain.py --model_dir} layout), then
 * in the user's cache folder. When it is in neither, the error says which file to put where.
 */
public final class ModelFiles {

    /** Environment variable that overrides the cache folder. */
    public static final String CACHE_ENV = "RETRAIN_MODEL_CACHE";

    private ModelFiles() {}

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
        return locateGraph(architecture, modelDir, defaultCacheDir());
    }

    /** The graph in {@code modelDir} (read-only, never written to) or else in {@code cacheDir}. */
    public static Path locateGraph(Architecture architecture, Optional<Path> modelDir, Path cacheDir) {
        List<Path> candidates = new ArrayList<>();
        modelDir.ifPresent(
                dir -> candidates.add(dir.toAbsolutePath().normalize().resolve(architecture.relativeGraphPath())));
        candidates.add(cacheDir.toAbsolutePath().normalize().resolve(architecture.relativeGraphPath()));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        Path target = modelDir.map(dir -> dir.toAbsolutePath().normalize())
                .orElse(cacheDir.toAbsolutePath().normalize());
        throw new ModelNotFoundException("No graph for " + architecture.name() + ": looked for "
                + candidates + ". Download " + architecture.downloadUrl() + ", unpack it into "
                + target.resolve(architecture.folder()) + " so that "
                + target.resolve(architecture.relativeGraphPath()) + " exists, or pass --model-dir pointing at a "
                + "folder in retrain.py's download layout (e.g. ../shared/models).");
    }

    /**
     * The graph from {@code modelDir} or the cache; when it is in neither and {@code download} is set, downloaded
     * into the cache (see {@link ModelDownloader}).
     */
    public static Path obtainGraph(
            Architecture architecture,
            Optional<Path> modelDir,
            Path cacheDir,
            boolean download,
            ModelDownloader.Progress progress) {
        try {
            return locateGraph(architecture, modelDir, cacheDir);
        } catch (ModelNotFoundException e) {
            if (!download) {
                throw e;
            }
            return new ModelDownloader(cacheDir, progress).obtain(architecture);
        }
    }

    /** The hex SHA-256 of a file's content. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Thrown when an architecture's graph file is nowhere to be found; the message says what to do. */
    public static final class ModelNotFoundException extends RuntimeException {
        public ModelNotFoundException(String message) {
            super(message);
        }
    }
}
