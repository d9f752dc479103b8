package io.retrainstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.testing.SharedData;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A workspace of its own for {@code ./retrain} under {@code e2e-tests/target/NAME}: links to the packaged CLI and
 * services of this checkout, and the CLI run as its own process from there, as the {@code ./retrain} script runs it.
 */
final class CliWorkspace {

    static final Duration CLI_TIMEOUT = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The exit status and the output (stdout and stderr) of one CLI command. */
    record Result(int status, String output) {}

    private final Path repo;
    private final Path root;

    private CliWorkspace(Path repo, Path root) {
        this.repo = repo;
        this.root = root;
    }

    /** A new, empty workspace {@code e2e-tests/target/NAME} (a previous one is deleted). */
    static CliWorkspace create(String name) throws IOException {
        SharedData.models();
        SharedData.flowers();
        Path repo = Path.of(System.getProperty("retrainstream.root.dir", ".."))
                .toAbsolutePath()
                .normalize();
        Path root = repo.resolve("e2e-tests/target").resolve(name);
        deleteTree(root);
        Path lib = repo.resolve("cli/target/lib");
        if (!Files.isRegularFile(repo.resolve("cli/target/cli.jar")) || !Files.isDirectory(lib)) {
            throw new IllegalStateException("cli/target/cli.jar or cli/target/lib is missing: package the CLI first");
        }
        Files.createDirectories(root.resolve("cli/target"));
        Files.createSymbolicLink(root.resolve("cli/target/lib"), lib);
        for (String module : List.of("extractor-service", "trainer-service", "classifier-service")) {
            Path app = repo.resolve(module).resolve("target/quarkus-app");
            if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
                throw new IllegalStateException(app + " is missing: package the services first (./mvnw package)");
            }
            Files.createDirectories(root.resolve(module).resolve("target"));
            Files.createSymbolicLink(root.resolve(module).resolve("target/quarkus-app"), app);
        }
        return new CliWorkspace(repo, root);
    }

    Path root() {
        return root;
    }

    /** {@code ./retrain down} when something was started here; prints what it says. */
    void down() throws IOException, InterruptedException {
        if (Files.exists(root.resolve(".retrain"))) {
            System.out.print(cli("down").output());
        }
    }

    /** {@code .retrain/state.json}. */
    JsonNode state() throws IOException {
        return JSON.readTree(root.resolve(".retrain/state.json").toFile());
    }

    /**
     * Waits until the trainer on {@code trainerPort} has at least {@code count} images' bottlenecks ({@code GET
     * /dataset}); returns how many it has.
     */
    long awaitTrainerImages(int trainerPort, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long images = -1;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + trainerPort + "/dataset"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    images = JSON.readTree(response.body()).get("images").asLong();
                    if (images >= count) {
                        return images;
                    }
                }
            } catch (IOException e) {
                // not answering right now
            }
            Thread.sleep(100);
        }
        throw new AssertionError("The trainer has " + images + " images' bottlenecks, not " + count + ", after "
                + timeout.toSeconds() + " s; see " + root.resolve(".retrain/logs"));
    }

    /** Runs {@code ./retrain ARGS} to its end (at most {@link #CLI_TIMEOUT}). */
    Result cli(String... args) throws IOException, InterruptedException {
        Path output = Files.createTempFile(root, "cli-", ".out");
        Process process = start(output, args);
        if (!process.waitFor(CLI_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./retrain " + String.join(" ", args) + " took over " + CLI_TIMEOUT);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.delete(output);
        return new Result(process.exitValue(), text);
    }

    /** Starts {@code ./retrain ARGS} in the background, its stdout and stderr to {@code output}. */
    Process start(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                repo.resolve("cli/target/cli.jar")
                        + File.pathSeparator
                        + repo.resolve("cli/target/lib").resolve("*"),
                "io.retrainstream.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.remove("RETRAIN_ADMIN_TOKEN");
        env.put("RETRAIN_CALLER_DIR", root.toString());
        env.put("RETRAIN_DOWNLOAD", "false");
        env.put("RETRAIN_EXTRACTOR_IMAGE_STORE", root.resolve("image-store").toString());
        return builder.start();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
