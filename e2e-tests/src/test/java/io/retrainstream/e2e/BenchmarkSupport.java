package io.retrainstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the benchmarks share: command-line options, the photos, JSON replies, percentiles. */
final class BenchmarkSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    private BenchmarkSupport() {}

    /**
     * What every benchmark is run on, from its options: {@code --architecture} (default
     * mobilenet_0.50_224_quantized), {@code --root} (the checkout), {@code --model-dir}, {@code --image-dir}
     * (default: ../shared beside the checkout).
     */
    record Setup(String architecture, Path root, Path modelDir, Path imageDir) {

        static Setup of(Map<String, String> options) {
            Path root =
                    Path.of(options.getOrDefault("root", ".")).toAbsolutePath().normalize();
            return new Setup(
                    options.getOrDefault("architecture", "mobilenet_0.50_224_quantized"),
                    root,
                    path(options.getOrDefault(
                            "model-dir", root.resolve("../shared/models").toString())),
                    path(options.getOrDefault(
                            "image-dir",
                            root.resolve("../shared/datasets/flowers-small").toString())));
        }
    }

    /** {@code --name value} pairs. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException(
                        "Unexpected argument " + args[i] + "; use --architecture A --model-dir DIR --image-dir DIR");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    /** A path from the command line, relative to the folder {@code ./retrain} was called from. */
    static Path path(String value) {
        String caller = System.getenv("RETRAIN_CALLER_DIR");
        Path path = Path.of(value);
        return (caller == null || path.isAbsolute() ? path : Path.of(caller).resolve(path))
                .toAbsolutePath()
                .normalize();
    }

    /** The JPEG photos of an image folder (one sub-folder per class), sorted, so class by class. */
    static List<Path> photos(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2)) {
            return files.filter(p -> p.toString().toLowerCase().endsWith(".jpg"))
                    .sorted()
                    .toList();
        }
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Nearest-rank percentile {@code q} (0..1) of nanosecond durations, in ms. */
    static double percentileMillis(long[] nanos, double q) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.max(0, Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1))] / 1e6;
    }
}
