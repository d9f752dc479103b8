package io.retrainstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.retrainstream.common.testing.FreePorts;
import io.retrainstream.common.testing.SharedData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The first session of {@code ./retrain --help} as a new user runs it (issue 17), on flowers-small: the CLI as its own
 * process (as the {@code ./retrain} script runs it) on a workspace of its own, the real broker and the three packaged
 * services. The run must learn all five classes from all 750 photos, and the first classify right after
 * {@code train --wait} must be answered. Then the same without {@code publish --wait}: {@code train --wait} at once
 * must still train on every photo published before it.
 */
class FirstSessionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> CLASSES = List.of("daisy", "dandelion", "roses", "sunflowers", "tulips");
    /** The run's first line: {@code Run 1: training 5 classes [...] on 600 training, 75 validation and 75 test ...}. */
    private static final Pattern TRAINING = Pattern.compile(
            "Run \\d+: training (\\d+) classes \\[([^]]*)] on (\\d+) training, (\\d+) validation and (\\d+) test");

    private CliWorkspace workspace;
    private int photos;
    private int trainerPort;

    @BeforeEach
    void workspace() throws IOException {
        photos = countPhotos(SharedData.flowers());
        workspace = CliWorkspace.create("first-session");
    }

    @AfterEach
    void down() throws Exception {
        if (workspace != null && Files.exists(workspace.root().resolve(".retrain"))) {
            CliWorkspace.Result down = cli("down", "--purge");
            System.out.print(down.output());
        }
    }

    @Test
    void theHelpTextsFirstSessionLearnsEveryPhotoAndTheFirstClassifyIsAnswered() throws Exception {
        CliWorkspace.Result help = cli("--help");
        assertThat(help.output())
                .contains("  ./retrain up --model-dir ../shared/models")
                .contains("  ./retrain publish --image-dir ~/flower_photos --wait")
                .contains("  ./retrain train --wait")
                .contains("  ./retrain classify ~/flower_photos/daisy/");
        up(false);

        long start = System.nanoTime();
        CliWorkspace.Result published =
                cli("publish", "--image-dir", SharedData.flowers().toString(), "--wait");
        long extracted = System.nanoTime();
        assertThat(published.status()).as(published.output()).isZero();
        assertThat(published.output()).contains("Extracted " + photos + " of " + photos + " photos in ");
        for (String label : CLASSES) {
            assertThat(published.output()).containsPattern("\\n  " + label + "\\s+150\\n");
        }

        CliWorkspace.Result train = cli("train", "--wait");
        long trained = System.nanoTime();
        assertLearnedEveryPhoto(train.output());
        // Continuous mode (on by default) has served models trained while the photos streamed in: this cold run is
        // published, or the promotion gate keeps it back when a continuous run on the same 750 photos did better
        if (train.status() != 0) {
            assertThat(train.output())
                    .as(train.output())
                    .contains("was not published (the serving model stays): Not published: worse: test accuracy ");
            System.out.println("The promotion gate kept the run back: "
                    + train.output()
                            .lines()
                            .filter(l -> l.startsWith("Promotion gate"))
                            .findFirst()
                            .orElse(""));
        }
        assertThat(train.output()).containsPattern("The classifier serves model version \\d+");

        CliWorkspace.Result classify = cli("classify", firstPhoto("daisy").toString());
        assertThat(classify.status()).as(classify.output()).isZero();
        assertThat(classify.output()).contains("(score = ");
        evaluateCountsHitsPerLabelAndLabelsTheModelDoesNotKnowApart();
        System.out.printf(
                Locale.ROOT,
                "First session: publish --wait %.1f s, train --wait %.1f s, publish to trained and served %.1f s%n",
                (extracted - start) / 1e9,
                (trained - extracted) / 1e9,
                (trained - start) / 1e9);
        printWaitLines(train.output());
    }

    @Test
    void trainRightAfterAPlainPublishWaitsForEveryPhoto() throws Exception {
        up(true);
        long start = System.nanoTime();
        CliWorkspace.Result published =
                cli("publish", "--image-dir", SharedData.flowers().toString());
        assertThat(published.status()).as(published.output()).isZero();
        long publishedAt = System.nanoTime();

        // when the trainer has every bottleneck, by the wall clock, to measure what the wait adds after that
        AtomicLong allRead = new AtomicLong();
        Thread watch = new Thread(() -> watchDataset(allRead), "dataset-watch");
        watch.setDaemon(true);
        watch.start();
        CliWorkspace.Result train = cli("train", "--wait");
        long trained = System.nanoTime();
        watch.interrupt();
        assertThat(train.status()).as(train.output()).isZero();
        assertThat(train.output()).containsPattern("Waiting for \\d+ of " + photos + " photos to be extracted");
        assertLearnedEveryPhoto(train.output());
        Matcher waited = Pattern.compile("Read the bottlenecks up to offsets \\{[^}]*}: waited ([0-9.]+) s")
                .matcher(train.output());
        assertThat(waited.find()).as(train.output()).isTrue();
        Matcher started = Pattern.compile("Started training run (\\d+)").matcher(train.output());
        assertThat(started.find()).as(train.output()).isTrue();
        JsonNode run = JSON.readTree(http("/runs/" + started.group(1)));
        long ready = Instant.parse(run.get("startedAt").asText()).toEpochMilli()
                + Math.round(Double.parseDouble(waited.group(1)) * 1000);
        System.out.printf(
                Locale.ROOT,
                "The run was ready to train %.1f s after the trainer had all %d bottlenecks (the wait's overhead)%n",
                (ready - allRead.get()) / 1e3,
                photos);

        CliWorkspace.Result classify = cli("classify", firstPhoto("tulips").toString());
        assertThat(classify.status()).as(classify.output()).isZero();
        System.out.printf(
                Locale.ROOT,
                "Plain publish %.1f s, then train --wait %.1f s: publish to trained and served %.1f s%n",
                (publishedAt - start) / 1e9,
                (trained - publishedAt) / 1e9,
                (trained - start) / 1e9);
        printWaitLines(train.output());
    }

    /** Sets {@code allRead} to the wall-clock time at which the trainer's dataset first holds every photo. */
    private void watchDataset(AtomicLong allRead) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (JSON.readTree(http("/dataset")).path("images").asInt() >= photos) {
                    allRead.set(System.currentTimeMillis());
                    return;
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // not answering right now
            }
        }
    }

    private String http(String path) throws IOException {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + trainerPort + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** {@code ./retrain up} on free ports; {@code --no-continuous} as the report tried it. */
    private void up(boolean noContinuous) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "up",
                "--model-dir",
                SharedData.models().toString(),
                "--kafka-port",
                Integer.toString(FreePorts.pair()),
                "--classifier-port",
                Integer.toString(FreePorts.any()),
                "--extractor-port",
                Integer.toString(FreePorts.any()),
                "--trainer-port",
                Integer.toString(trainerPort = FreePorts.any()),
                "--timeout",
                "180"));
        if (noContinuous) {
            args.add("--no-continuous");
        }
        CliWorkspace.Result up = cli(args.toArray(String[]::new));
        assertThat(up.status()).as(up.output()).isZero();
    }

    private void assertLearnedEveryPhoto(String output) {
        Matcher run = TRAINING.matcher(output);
        assertThat(run.find()).as(output).isTrue();
        assertThat(Integer.parseInt(run.group(1))).as(run.group()).isEqualTo(CLASSES.size());
        assertThat(run.group(2)).isEqualTo(String.join(", ", CLASSES));
        int vectors = Integer.parseInt(run.group(3)) + Integer.parseInt(run.group(4)) + Integer.parseInt(run.group(5));
        assertThat(vectors).as(run.group()).isEqualTo(photos);
        assertThat(output).contains("Final test accuracy = ");
    }

    private static void printWaitLines(String output) {
        output.lines()
                .filter(line -> line.startsWith("Waiting for ")
                        || line.startsWith("All ")
                        || line.startsWith("Read the bottlenecks"))
                .forEach(line -> System.out.println("  " + line));
    }

    /**
     * {@code ./retrain evaluate} against the served model: 8 photos of each class and 3 in a folder whose label the
     * model does not know.
     */
    private void evaluateCountsHitsPerLabelAndLabelsTheModelDoesNotKnowApart() throws Exception {
        Path dir = workspace.root().resolve("evaluate");
        for (String label : CLASSES) {
            Files.createDirectories(dir.resolve(label));
            try (Stream<Path> files = Files.list(SharedData.flowers().resolve(label))) {
                for (Path photo : files.sorted().limit(8).toList()) {
                    Files.copy(photo, dir.resolve(label).resolve(photo.getFileName()));
                }
            }
        }
        Files.createDirectories(dir.resolve("orchids"));
        try (Stream<Path> files = Files.list(SharedData.flowers().resolve("tulips"))) {
            for (Path photo : files.sorted().skip(20).limit(3).toList()) {
                Files.copy(photo, dir.resolve("orchids").resolve(photo.getFileName()));
            }
        }
        CliWorkspace.Result evaluate = cli("evaluate", "--image-dir", dir.toString());
        System.out.print(evaluate.output());
        assertThat(evaluate.status()).as(evaluate.output()).isZero();
        assertThat(evaluate.output())
                .containsPattern(
                        "Evaluating model version \\d+ \\(\\S+; 5 labels\\) on 43 photos of 6 " + "class folders in ");
        Matcher overall = Pattern.compile("\\noverall\\s+40\\s+([0-9.]+)%\\s").matcher(evaluate.output());
        assertThat(overall.find()).as(evaluate.output()).isTrue();
        double hitRate = Double.parseDouble(overall.group(1)) / 100;
        assertThat(hitRate).isGreaterThan(0.7);
        for (String label : CLASSES) {
            assertThat(evaluate.output()).containsPattern("\\n" + label + "\\s+8\\s+[0-9.]+%\\s");
        }
        long warnings =
                evaluate.output().lines().filter(l -> l.startsWith("WARNING: ")).count();
        assertThat(warnings).isEqualTo(Math.round(40 * (1 - hitRate)));
        assertThat(evaluate.output())
                .containsPattern("Photos of labels the model does not know \\(not counted above\\):\\n  orchids: 3 "
                        + "photos, predicted ");
    }

    private static Path firstPhoto(String label) throws IOException {
        try (Stream<Path> files = Files.list(SharedData.flowers().resolve(label))) {
            return files.sorted().findFirst().orElseThrow();
        }
    }

    private static int countPhotos(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2, FileVisitOption.FOLLOW_LINKS)) {
            return (int) files.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".jpg"))
                    .count();
        }
    }

    /** Runs {@code ./retrain ARGS} in this test's workspace and prints the command and its exit status. */
    private CliWorkspace.Result cli(String... args) throws IOException, InterruptedException {
        CliWorkspace.Result result = workspace.cli(args);
        System.out.println("$ ./retrain " + String.join(" ", args) + " -> exit " + result.status());
        return result;
    }
}
