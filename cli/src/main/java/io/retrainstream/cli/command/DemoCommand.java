package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import io.retrainstream.cli.stack.UpCommand;
import io.retrainstream.cli.stack.Workspace;
import io.retrainstream.common.model.Architecture;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
        PublishCommand.Result published = PublishCommand.publish(context, imageDir, state.bootstrap());
        if (published.published() == 0) {
            throw new CliException("No photo could be published; see the messages above.");
        }
        out.println("== 3/5 Waiting for the extractor to compute their bottlenecks");
        ExtractionWait.await(context, state.bootstrap(), published.target(), published.dlqFrom(), published.perClass());

        out.println("== 4/5 Training");
        OptionalLong runId = TrainingRuns.startOwn(context, http, trainer, new byte[0]);
        if (runId.isEmpty()) {
            return 1;
        }
        TrainingRuns.Outcome outcome = TrainingRuns.follow(context, http, trainer, runId.getAsLong());
        if (outcome.succeeded() || outcome.status().equals("REJECTED")) {
            // kept back by the promotion gate: the classifier serves the version it keeps (say, a continuous run's)
            TrainingRuns.awaitServed(context, http, classifier, outcome.succeeded() ? outcome.modelVersion() : null);
        } else {
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
}
