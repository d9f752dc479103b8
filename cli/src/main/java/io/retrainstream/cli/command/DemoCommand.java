package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import io.retrainstream.cli.stack.UpCommand;
import io.retrainstream.cli.stack.Workspace;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Architecture;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./retrain demo}: the whole of retrain.py in one go, on the running system: up, publish, wait for the
 * bottlenecks, train, wait for the classifier to serve the new model, and classify a few test photos.
 */
@Command(
        name = "demo",
        header = "up, publish, train and classify in one go",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain demo --image-dir DIR --model-dir DIR [--architecture A]",
        description = {
            "",
            "Runs the whole pipeline: starts everything (unless it already runs with the same "
                    + "architecture), publishes the photos of the image dir, waits until the trainer has their "
                    + "bottlenecks, trains, waits until the classifier serves the new model and classifies a test photo "
                    + "of three classes."
        },
        optionListHeading = "%nOptions:%n",
        footer = {
            "",
            "Example:",
            "  ./retrain demo --image-dir ../shared/datasets/flowers-small --model-dir ../shared/models"
        })
public final class DemoCommand extends CliCommand {

    static final Duration BOTTLENECK_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MODEL_TIMEOUT = Duration.ofMinutes(2);

    @Option(
            names = "--image-dir",
            paramLabel = "DIR",
            required = true,
            description = "folder of class folders, e.g. flower_photos (daisy/, roses/, ...)")
    private String imageDirArg;

    @Option(
            names = "--model-dir",
            paramLabel = "DIR",
            required = true,
            description = "folder in retrain.py's download layout holding the model's graph")
    private String modelDirArg;

    @Option(
            names = "--architecture",
            paramLabel = "A",
            defaultValue = Architecture.DEFAULT,
            description = "default ${DEFAULT-VALUE} (see ./retrain architectures)")
    private String architectureName;

    public DemoCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws InterruptedException {
        Workspace workspace = context.workspace();
        Path imageDir = workspace.userPath(imageDirArg);
        Path modelDir = workspace.userPath(modelDirArg);
        Architecture architecture = UpCommand.architecture(architectureName);
        List<ImageScanner.ClassFolder> classes = PublishCommand.scanImageDir(imageDir);
        UpCommand.checkModel(context, architecture, Optional.of(modelDir));
        PrintStream out = context.out();
        long start = System.nanoTime();

        out.println("== 1/5 Starting Kafka and the services");
        if (!ensureUp(context, architecture, modelDir)) {
            return 1;
        }
        State state = State.load(workspace).orElseThrow(() -> new CliException("./retrain up left no state.json"));
        ServiceHttp http = new ServiceHttp(context.workspace());
        String trainer = state.url(Service.TRAINER);
        String classifier = state.url(Service.CLASSIFIER);

        out.println("== 2/5 Publishing the photos of " + imageDir);
        try (Admin admin = admin(state.bootstrap())) {
            long rejectedBefore = endOffset(admin, Topics.IMAGES_DLQ);
            PublishCommand.Result published = PublishCommand.publish(context, imageDir, state.bootstrap());
            if (published.published() == 0) {
                throw new CliException("No photo could be published; see the messages above.");
            }
            out.println("== 3/5 Waiting for the extractor to compute their bottlenecks");
            awaitBottlenecks(context, http, trainer, admin, rejectedBefore, published.published());
        }

        out.println("== 4/5 Training");
        OptionalLong runId = TrainCommand.startOwn(context, http, trainer, new byte[0]);
        if (runId.isEmpty()) {
            return 1;
        }
        TrainCommand.Outcome outcome = TrainCommand.follow(context, http, trainer, runId.getAsLong());
        if (outcome.succeeded()) {
            awaitModel(context, http, classifier, outcome.modelVersion());
        } else if (!outcome.status().equals("REJECTED")) {
            return 1;
        }

        out.println("== 5/5 Classifying photos of the test split");
        List<Path> samples = samples(context, http, trainer, imageDir, classes);
        int failures = 0;
        for (Path sample : samples) {
            out.println();
            if (!ClassifyCommand.classify(context, http, classifier, display(workspace, sample), sample, 5)) {
                failures++;
            }
        }
        long seconds = Math.round((System.nanoTime() - start) / 1e9);
        out.println();
        out.printf("Demo finished in %d min %d s.%n", seconds / 60, seconds % 60);
        out.println("Try ./retrain classify PHOTO... with your own photos. Stop everything with ./retrain down");
        return failures == 0 ? 0 : 1;
    }

    /** Starts everything unless it already runs with the same architecture; false when it cannot be used. */
    private static boolean ensureUp(Context context, Architecture architecture, Path modelDir)
            throws InterruptedException {
        Workspace workspace = context.workspace();
        Optional<State> state = State.load(workspace);
        Map<String, Long> alive = state.map(State::alivePids).orElse(Map.of());
        if (alive.isEmpty()) {
            return UpCommand.up(context, UpCommand.Options.defaults(architecture.name(), Optional.of(modelDir))) == 0;
        }
        String running = state.get().architecture();
        if (!architecture.name().equals(running)) {
            throw new CliException("retrain-stream is running with architecture " + running + ", not "
                    + architecture.name() + ". Stop it first with ./retrain down, or run the demo with --architecture "
                    + running + ".");
        }
        if (!alive.keySet()
                .containsAll(Stream.concat(
                                Stream.of(State.KAFKA),
                                Arrays.stream(Service.values()).map(Service::id))
                        .toList())) {
            throw new CliException("retrain-stream runs only in part (" + String.join(", ", alive.keySet())
                    + "). See ./retrain status; restart with ./retrain down, then run the demo again.");
        }
        context.out().println("Already running with architecture " + running + ": using it.");
        return true;
    }

    /** Waits until the trainer has a bottleneck (or the extractor a rejection) for every published photo. */
    private static void awaitBottlenecks(
            Context context, ServiceHttp http, String trainer, Admin admin, long rejectedBefore, int expected)
            throws InterruptedException {
        StatusLine status = new StatusLine(context.err(), context.interactive());
        long start = System.nanoTime();
        String url = ServiceHttp.join(trainer, "/dataset");
        JsonNode dataset;
        long rejected;
        while (true) {
            ServiceHttp.Reply reply = http.get(url);
            if (!reply.ok()) {
                status.clear();
                throw new CliException(
                        "The trainer replied HTTP " + reply.status() + " to GET " + url + ": " + reply.message());
            }
            dataset = reply.json();
            long images = dataset.path("images").asLong();
            rejected = Math.max(0, endOffset(admin, Topics.IMAGES_DLQ) - rejectedBefore);
            long done = Math.min(expected, images + rejected);
            String progress = ProgressBar.render(done, expected, "bottlenecks", ProgressBar.rate(done, start), "img/s");
            if (images + rejected >= expected) {
                status.done(progress);
                break;
            }
            if (System.nanoTime() - start > BOTTLENECK_TIMEOUT.toNanos()) {
                status.clear();
                throw new CliException("The trainer has only " + images + " of " + expected + " bottlenecks after "
                        + BOTTLENECK_TIMEOUT.toMinutes() + " min. See .retrain/logs/extractor.log and "
                        + ".retrain/logs/trainer.log, and ./retrain status.");
            }
            status.update(progress);
            Thread.sleep(1000);
        }
        if (rejected > 0) {
            context.err()
                    .println("Warning: the extractor rejected " + rejected + " photo(s) (topic " + Topics.IMAGES_DLQ
                            + "); see .retrain/logs/extractor.log");
        }
        JsonNode classes = dataset.path("classes");
        context.out()
                .printf(
                        "The trainer has %d bottlenecks of %d classes:%n",
                        dataset.path("images").asLong(), classes.size());
        classes.fields().forEachRemaining(entry -> context.out()
                .printf(
                        "  %-20s training %4d  validation %4d  " + "testing %4d%n",
                        entry.getKey(),
                        entry.getValue().path("training").asInt(),
                        entry.getValue().path("validation").asInt(),
                        entry.getValue().path("testing").asInt()));
    }

    /** Waits until the classifier serves {@code version} (or a later one). */
    private static void awaitModel(Context context, ServiceHttp http, String classifier, Long version)
            throws InterruptedException {
        StatusLine status = new StatusLine(context.err(), context.interactive());
        String url = ServiceHttp.join(classifier, "/model");
        long start = System.nanoTime();
        while (true) {
            ServiceHttp.Reply reply = http.get(url);
            long serving = reply.ok() ? reply.json().path("version").asLong(-1) : -1;
            long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
            if (reply.ok() && (version == null || serving >= version)) {
                status.done("The classifier serves model version " + serving);
                return;
            }
            if (elapsed > MODEL_TIMEOUT.toSeconds()) {
                status.clear();
                throw new CliException("The classifier does not serve model version " + version + " after "
                        + MODEL_TIMEOUT.toMinutes() + " min (GET " + url + ": HTTP " + reply.status() + ", "
                        + reply.message() + "). See .retrain/logs/classifier.log");
            }
            status.update(status.spin() + " Waiting for the classifier to load model version " + version + " ("
                    + elapsed + " s)");
            Thread.sleep(500);
        }
    }

    /** One photo of the test split from each of the first three class folders (any photo when it has none). */
    private static List<Path> samples(
            Context context, ServiceHttp http, String trainer, Path imageDir, List<ImageScanner.ClassFolder> classes) {
        ServiceHttp.Reply reply = http.get(ServiceHttp.join(trainer, "/dataset/testing"));
        JsonNode testing = reply.ok() ? reply.json().path("images") : null;
        if (testing == null) {
            context.err()
                    .println("Warning: GET /dataset/testing answered HTTP " + reply.status()
                            + "; classifying photos that may have been trained on.");
        }
        return classes.stream()
                .filter(c -> !c.images().isEmpty())
                .limit(3)
                .map(folder -> {
                    if (testing != null) {
                        for (JsonNode image : testing) {
                            String imageId = image.path("imageId").asText("");
                            if (imageId.startsWith(folder.name() + "/")) {
                                return imageDir.resolve(imageId);
                            }
                        }
                    }
                    return folder.images().get(0);
                })
                .collect(Collectors.toList());
    }

    private static String display(Workspace workspace, Path file) {
        return file.startsWith(workspace.callerDir())
                ? workspace.callerDir().relativize(file).toString()
                : file.toString();
    }

    private static Admin admin(String bootstrap) {
        Properties props =
                KafkaClients.fromSystem().withBootstrapServers(bootstrap).adminProperties(15_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(props);
    }

    /** The sum of the end offsets of {@code topic}'s partitions: how many records it ever received. */
    private static long endOffset(Admin admin, String topic) throws InterruptedException {
        try {
            var description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(15, TimeUnit.SECONDS)
                    .get(topic);
            Map<TopicPartition, OffsetSpec> latest = description.partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(15, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset())
                    .sum();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return 0;
        }
    }
}
