package io.retrainstream.trainer.service;

import io.retrainstream.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the files a request names may go: under {@code trainer.output-root}. Paths the configuration gives may be
 * anywhere; paths of a {@code POST /train} body are {@linkplain #confined confined} here before a run sees them.
 */
@ApplicationScoped
public class OutputRoot {

    /** The options that name files or folders, by {@code retrain.py} name. */
    public static final List<String> FILE_OPTIONS = List.of(
            "output_labels", "output_graph", "saved_model_dir", "summaries_dir", "intermediate_output_graphs_dir");

    private final Path root;

    @Inject
    public OutputRoot(TrainerConfig config) {
        this(config.outputRoot());
    }

    public OutputRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
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
        Path resolvedRoot = realRoot();
        Path current = resolvedRoot;
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
            if (!real.startsWith(resolvedRoot)) {
                throw new IllegalArgumentException(
                        option + " must stay under the trainer's output root: '" + resolvedRoot.relativize(current)
                                + "' is a symbolic link that leads out of it, got '" + value + "'");
            }
            current = real;
        }
        return resolvedRoot.resolve(relative).normalize().toString();
    }

    /** The output root with its symbolic links resolved, created when missing. */
    private Path realRoot() {
        try {
            Files.createDirectories(root);
            return root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create the output root " + root + " (trainer.output-root): " + e.getMessage(), e);
        }
    }
}
