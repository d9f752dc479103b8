package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.testing.FreePorts;
import io.retrainstream.common.testing.Listeners;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.e2e.CliWorkspace.Result;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./retrain up} as users run it: the CLI as its own process (from {@code cli/target}, as the {@code ./retrain}
 * script runs it) on a workspace of its own, starting the real broker and the three packaged services under its
 * supervisor. The extractor is killed (SIGKILL) while the flower photos stream in; the supervisor restarts it and
 * every photo still becomes a bottleneck. Also: everything listens on 127.0.0.1 only, and {@code status} tells the
 * restart and why.
 */
class CliSupervisionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The photos published before the kill; the others are published while the extractor is down. */
    private static final List<String> FIRST_CLASSES = List.of("daisy", "dandelion", "roses");

    private static CliWorkspace workspace;
    private static Path root;
    private static int extractorPort;
    private static int trainerPort;

    @BeforeAll
    static void workspace() throws IOException {
        workspace = CliWorkspace.create("cli-supervision");
        root = workspace.root();
    }

    @AfterAll
    static void down() throws Exception {
        if (workspace != null) {
            workspace.down();
        }
    }

    @Test
    void anExtractorKilledWhilePhotosStreamInLosesNone() throws Exception {
        int kafkaPort = FreePorts.pair();
        extractorPort = FreePorts.any();
        trainerPort = FreePorts.any();
        Result up = cli(
                "up",
                "--kafka-port",
                Integer.toString(kafkaPort),
                "--classifier-port",
                Integer.toString(FreePorts.any()),
                "--extractor-port",
                Integer.toString(extractorPort),
                "--trainer-port",
                Integer.toString(trainerPort),
                "--model-dir",
                SharedData.models().toString(),
                "--architecture",
                "mobilenet_0.25_128",
                "--no-continuous",
                "--quiet-period",
                "3600",
                "--timeout",
                "180");
        assertThat(up.status()).as(up.output()).isZero();
        JsonNode pids = state().get("pids");
        assertThat(pids.size()).as(pids.toString()).isEqualTo(5);
        assertListensOnLoopbackOnly(pids);

        Path first = splitPhotos("first", true);
        Path rest = splitPhotos("rest", false);
        int total = countPhotos(first) + countPhotos(rest);
        Result published = cli("publish", "--image-dir", first.toString());
        assertThat(published.status()).as(published.output()).isZero();
        long extractorPid = pids.get("extractor").asLong();
        long atKill = workspace.awaitTrainerImages(trainerPort, 1, Duration.ofMinutes(2));
        long killed = System.nanoTime();
        assertThat(ProcessHandle.of(extractorPid).orElseThrow().destroyForcibly())
                .isTrue();
        System.out.printf(
                "Killed the extractor (SIGKILL) with %d of %d photos' bottlenecks at the trainer%n",
                atKill, countPhotos(first));
        published = cli("publish", "--image-dir", rest.toString());
        assertThat(published.status()).as(published.output()).isZero();

        long back = awaitRestarted(extractorPid, Duration.ofSeconds(60));
        System.out.printf("Extractor back and live %.1f s after the kill%n", (back - killed) / 1e9);
        assertThat((back - killed) / 1e9).isLessThan(15);
        workspace.awaitTrainerImages(trainerPort, total, Duration.ofMinutes(2));
        JsonNode dataset = get(trainerPort, "/dataset");
        System.out.printf(
                "All %d photos became bottlenecks %.1f s after the kill: %s%n",
                total, (System.nanoTime() - killed) / 1e9, dataset.get("classes"));
        assertThat(dataset.get("images").asInt()).isEqualTo(total);
        assertThat(dataset.get("classes").size()).isEqualTo(5);

        Result status = cli("status");
        assertThat(status.status()).as(status.output()).isZero();
        assertThat(status.output())
                .containsPattern(
                        "extractor\\s+\\d+\\s+yes\\s+" + extractorPort + "\\s+UP\\s+1\\s+exit 137 \\(SIGKILL\\) at ")
                .containsPattern("kafka\\s+\\d+\\s+yes\\s+" + kafkaPort + "\\s+UP\\s+0");
        Result json = cli("status", "--json");
        assertThat(json.status()).as(json.output()).isZero();
        JsonNode document = JSON.readTree(json.output());
        assertThat(document.get("healthy").asBoolean()).isTrue();
        JsonNode current = state().get("pids");
        List<String> names = new ArrayList<>();
        document.get("processes").forEach(process -> {
            String name = process.get("name").asText();
            names.add(name);
            assertThat(process.get("pid").asLong())
                    .as(name)
                    .isEqualTo(current.get(name).asLong());
            assertThat(process.get("health").asText()).as(name).isIn("UP", "STARTED");
        });
        assertThat(names).containsExactly("kafka", "extractor", "trainer", "classifier", "supervisor");
        JsonNode extractor = document.get("processes").get(1);
        assertThat(extractor.get("ports").get("http").asInt()).isEqualTo(extractorPort);
        assertThat(extractor.get("restarts").asInt()).isEqualTo(1);
        assertThat(extractor.get("lastRestartReason").asText()).isEqualTo("exit 137 (SIGKILL)");
        // An admin call with the token ./retrain up gave the trainer (required once retrain.admin-token is enforced)
        Result unpin = cli("unpin");
        assertThat(unpin.status()).as(unpin.output()).isZero();
    }

    /** A folder of links to some of the class folders of flowers-small. */
    private static Path splitPhotos(String name, boolean firstClasses) throws IOException {
        Path dir = Files.createDirectories(root.resolve("photos").resolve(name));
        try (Stream<Path> classes = Files.list(SharedData.flowers())) {
            for (Path folder : classes.filter(Files::isDirectory).toList()) {
                if (FIRST_CLASSES.contains(folder.getFileName().toString()) == firstClasses) {
                    Files.createSymbolicLink(dir.resolve(folder.getFileName()), folder);
                }
            }
        }
        return dir;
    }

    private static int countPhotos(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2, FileVisitOption.FOLLOW_LINKS)) {
            return (int) files.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".jpg"))
                    .count();
        }
    }

    /** Waits until the supervisor's new extractor answers its liveness check; returns then, as nanoTime. */
    private static long awaitRestarted(long oldPid, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long pid = state().get("pids").get("extractor").asLong();
            if (pid != oldPid && statusOf(extractorPort, "/q/health/live") == 200) {
                return System.nanoTime();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("No new extractor within " + timeout.toSeconds() + " s; see "
                + root.resolve(".retrain/logs/supervisor.log"));
    }

    private static void assertListensOnLoopbackOnly(JsonNode pids) {
        if (!Listeners.supported()) {
            System.out.println("No /proc/net/tcp here: the listening addresses are not checked");
            return;
        }
        pids.fields().forEachRemaining(entry -> {
            List<Listeners.Listener> listeners = Listeners.of(entry.getValue().asLong());
            System.out.printf(
                    "%-10s pid %d listens on %s%n",
                    entry.getKey(), entry.getValue().asLong(), listeners);
            assertThat(listeners)
                    .as(entry.getKey() + " listens on " + listeners)
                    .allMatch(Listeners.Listener::loopback);
        });
    }

    private static JsonNode state() throws IOException {
        return workspace.state();
    }

    private static JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static int statusOf(int port, String path) throws InterruptedException {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Result cli(String... args) throws IOException, InterruptedException {
        return workspace.cli(args);
    }
}
