package io.retrainstream.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./retrain train}: asks the trainer for a training run and, with {@code --wait}, follows it to its end. */
@Command(
        name = "train",
        header = "train a new model on the bottlenecks the trainer has received",
        synopsisHeading = "",
        customSynopsis =
                "Usage: ./retrain train [--wait] [--no-wait-for-photos] [--trainer URL] [--classifier URL] [retrain.py options]",
        description = {
            "",
            "Asks the trainer to train a new final layer on every photo published so far (like a run of retrain.py "
                    + "on its --image_dir): the run first waits until the extractor has turned every photo published "
                    + "before it into a bottleneck (or rejected it), printing how many are left, then trains. When a run "
                    + "is already in progress (say, a continuous one), lets it end first."
        },
        optionListHeading = "%nOptions:%n",
        footer = {"", "Example:", "  ./retrain train --wait --how_many_training_steps 500 --mode retrain"})
public final class TrainCommand extends CliCommand {

    private static final long POLL_MILLIS = 500;
    /** The trainer's option that trains on the bottlenecks there are, without waiting for the photos published. */
    static final String WAIT_FOR_EXTRACTION = "wait_for_extraction";
    /** How long {@code --wait} waits for the classifier to serve a published version. */
    static final Duration MODEL_TIMEOUT = Duration.ofMinutes(2);
    /** How long the trainer may be unreachable while a run is followed before giving up. */
    private static final Duration UNREACHABLE_LIMIT = Duration.ofSeconds(30);

    private static final String OUTPUT_NOTE = " (written by the trainer on its machine, relative to its output root "
            + "trainer.output-root; one set per published version)";
    private static final String DISTORTION_NOTE = " (retrain.py's distortions, mode retrain only: each step's images "
            + "are distorted afresh by the extractor)";

    /**
     * One option of a run, sent to the trainer in the body of {@code POST /train} under its own name (retrain.py's,
     * or the trainer's own for {@code warm_start} and {@code force_publish}).
     *
     * @param label the value's placeholder; null for a flag, sent as {@code true} when given
     */
    public record RunOption(String name, String label, String description) {}

    /** The run's options, in the order the help lists them. */
    public static final List<RunOption> RUN_OPTIONS = List.of(
            new RunOption("how_many_training_steps", "N", "how many training steps to run"),
            new RunOption("learning_rate", "X", "how large a learning rate to use when training"),
            new RunOption("testing_percentage", "P", "what percentage of images to use as a test set"),
            new RunOption("validation_percentage", "P", "what percentage of images to use as a validation set"),
            new RunOption("eval_step_interval", "N", "how often to evaluate the training results"),
            new RunOption("train_batch_size", "N", "how many images to train on at a time"),
            new RunOption("test_batch_size", "N", "how many images to test on (-1: all of the test set)"),
            new RunOption(
                    "validation_batch_size",
                    "N",
                    "how many images to use in an evaluation batch (-1: all of the validation set)"),
            new RunOption("print_misclassified_test_images", null, "print the test images that were misclassified"),
            new RunOption("final_tensor_name", "NAME", "the name of the output classification layer"),
            new RunOption("output_labels", "FILE", "where to save the trained graph's labels" + OUTPUT_NOTE),
            new RunOption("output_graph", "FILE", "where to save the trained graph" + OUTPUT_NOTE),
            new RunOption("saved_model_dir", "DIR", "where to save the exported graph as a SavedModel" + OUTPUT_NOTE),
            new RunOption("summaries_dir", "DIR", "where to save summary logs for TensorBoard" + OUTPUT_NOTE),
            new RunOption(
                    "intermediate_store_frequency",
                    "N",
                    "how many steps to store intermediate graphs after (0: none)" + OUTPUT_NOTE),
            new RunOption(
                    "intermediate_output_graphs_dir", "DIR", "where to save the intermediate graphs" + OUTPUT_NOTE),
            new RunOption(
                    "mode",
                    "improved|retrain",
                    "improved: pooled features, Adam + L2, chosen on validation; "
                            + "retrain: retrain.py's method exactly"),
            new RunOption("random_seed", "N", "the seed of the run's random choices"),
            new RunOption(
                    "warm_start",
                    null,
                    "continue from the serving model's head (fewer steps; see "
                            + "trainer.continuous.*) instead of a cold run from scratch"),
            new RunOption(
                    "force_publish",
                    null,
                    "publish even when the promotion gate finds the new model worse "
                            + "than the serving one on the test split"),
            new RunOption("flip_left_right", null, "randomly mirror half of the images horizontally" + DISTORTION_NOTE),
            new RunOption("random_crop", "P", "a percentage of margin to crop at random" + DISTORTION_NOTE),
            new RunOption("random_scale", "P", "a percentage to scale the size up by at random" + DISTORTION_NOTE),
            new RunOption(
                    "random_brightness", "P", "a percentage to multiply the pixels by at random" + DISTORTION_NOTE));

    @Option(
            names = "--wait",
            description = {
                "print the run's progress as it goes, then its report (test accuracy, "
                        + "confusion matrix, precision and recall per class, misclassified images, timings), and return "
                        + "once the classifier serves the new model version; exit 1 when it fails or the promotion gate "
                        + "keeps it back"
            })
    private boolean wait;

    @Option(
            names = "--no-wait-for-photos",
            description = "train on the bottlenecks the trainer has now, without waiting for the photos still being "
                    + "extracted (e.g. when the extractor is stopped)")
    private boolean noWaitForPhotos;

    @Option(
            names = "--classifier",
            paramLabel = "URL",
            description = "the classifier --wait waits for (default: the one ./retrain up started, else "
                    + "http://127.0.0.1:8080)")
    private String classifier;

    @Mixin
    private TrainerOption trainerOption;

    @Spec
    private CommandSpec spec;

    public TrainCommand(Context context) {
        super(context);
    }

    /** Adds the run's options, under a heading of their own, to this command's options. */
    @Override
    protected void customize(CommandSpec command) {
        ArgGroupSpec.Builder group = ArgGroupSpec.builder()
                .exclusive(false)
                .multiplicity("0..1")
                .heading("%nretrain.py's options for this run (the trainer's configuration gives the defaults; it "
                        + "checks every value and refuses a bad one naming it):%n");
        for (RunOption option : RUN_OPTIONS) {
            OptionSpec.Builder spec = OptionSpec.builder("--" + option.name()).description(option.description());
            if (option.label() == null) {
                spec.type(boolean.class).arity("0");
            } else {
                spec.type(String.class).paramLabel(option.label());
            }
            group.addArg(spec.build());
        }
        command.addArgGroup(group.build());
    }

    /** The run's options as the JSON body of {@code POST /train}. */
    public static byte[] body(CommandSpec command) {
        return body(command, Map.of());
    }

    /** {@link #body(CommandSpec)} with some of the trainer's own options, e.g. {@value #WAIT_FOR_EXTRACTION}. */
    static byte[] body(CommandSpec command, Map<String, Object> trainerOptions) {
        Map<String, Object> options = new LinkedHashMap<>(trainerOptions);
        for (RunOption option : RUN_OPTIONS) {
            Object value = command.findOption("--" + option.name()).getValue();
            if (option.label() == null ? Boolean.TRUE.equals(value) : value != null) {
                options.put(option.name(), value);
            }
        }
        try {
            return ServiceHttp.JSON.writeValueAsBytes(options);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        String trainer = trainerOption.url(context);
        ServiceHttp http = new ServiceHttp(context.workspace());
        // A run in progress (say, a continuous one) may have started before the last photos arrived: let it end
        OptionalLong runId = startOwn(
                context, http, trainer, body(spec, noWaitForPhotos ? Map.of(WAIT_FOR_EXTRACTION, false) : Map.of()));
        if (runId.isEmpty()) {
            return 1;
        }
        if (!wait) {
            context.out().println("Follow it with ./retrain train --wait");
            return 0;
        }
        Outcome outcome = follow(context, http, trainer, runId.getAsLong());
        if (!outcome.succeeded() && !outcome.status().equals("REJECTED")) {
            return 1;
        }
        // published: the new version; kept back by the promotion gate: the one the classifier keeps serving
        awaitServed(
                context,
                http,
                classifier != null ? classifier : State.defaultUrl(context.workspace(), Service.CLASSIFIER),
                outcome.succeeded() ? outcome.modelVersion() : null);
        return outcome.succeeded() ? 0 : 1;
    }

    /**
     * Waits until the classifier serves {@code version} (or a later one; any version when null): a published version
     * takes the classifier a moment to load, and a classify before that would get the previous model or a 503.
     */
    static void awaitServed(Context context, ServiceHttp http, String classifier, Long version)
            throws InterruptedException {
        StatusLine status = new StatusLine(context.err(), context.interactive());
        String url = ServiceHttp.join(classifier, "/model");
        long start = System.nanoTime();
        while (true) {
            ServiceHttp.Reply reply;
            try {
                reply = http.get(url);
            } catch (CliException e) {
                reply = null;
            }
            long serving =
                    reply != null && reply.ok() ? reply.json().path("version").asLong(-1) : -1;
            long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
            if (serving >= 0 && (version == null || serving >= version)) {
                status.clear();
                context.out().println("The classifier serves model version " + serving);
                return;
            }
            if (elapsed > MODEL_TIMEOUT.toSeconds()) {
                status.clear();
                throw new CliException("The classifier at " + classifier + " does not serve model version " + version
                        + " after " + MODEL_TIMEOUT.toMinutes() + " min ("
                        + (reply == null
                                ? "it does not answer"
                                : "GET " + url + ": HTTP " + reply.status() + ", " + reply.message())
                        + "). See .retrain/logs/classifier.log and ./retrain status");
            }
            status.update(status.spin() + " Waiting for the classifier to load model version " + version + " ("
                    + elapsed + " s)");
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Starts a run (or finds the one in progress); empty when the trainer refuses, after printing why. */
    static OptionalLong start(Context context, ServiceHttp http, String trainer) {
        return start(context, http, trainer, new byte[0]);
    }

    static OptionalLong start(Context context, ServiceHttp http, String trainer, byte[] body) {
        return start(context, http, trainer, body, false);
    }

    /**
     * Starts a run of its own: when one is already in progress (say, a continuous run), lets it finish first.
     */
    static OptionalLong startOwn(Context context, ServiceHttp http, String trainer, byte[] body)
            throws InterruptedException {
        for (int attempt = 0; attempt < 5; attempt++) {
            OptionalLong runId = start(context, http, trainer, body, true);
            if (runId.isEmpty() || runId.getAsLong() > 0) {
                return runId;
            }
            awaitFinished(http, trainer, -runId.getAsLong());
        }
        return start(context, http, trainer, body);
    }

    private static void awaitFinished(ServiceHttp http, String trainer, long runId) throws InterruptedException {
        while (true) {
            ServiceHttp.Reply reply = http.get(ServiceHttp.join(trainer, "/runs/" + runId + "?from=1000000"));
            if (!reply.ok() || !reply.json().path("status").asText("").equals("RUNNING")) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** @param own with a run in progress, return minus its id instead of following it */
    private static OptionalLong start(Context context, ServiceHttp http, String trainer, byte[] body, boolean own) {
        ServiceHttp.Reply reply =
                http.post(ServiceHttp.join(trainer, "/train"), body, body.length == 0 ? null : "application/json");
        JsonNode json = reply.json();
        if (reply.ok() && json.hasNonNull("runId")) {
            context.out()
                    .printf(
                            "Started training run %d (%s)%n",
                            json.get("runId").asLong(), json.path("status").asText("RUNNING"));
            return OptionalLong.of(json.get("runId").asLong());
        }
        if (reply.status() == 409 && json.hasNonNull("runId") && own) {
            context.out()
                    .printf(
                            "Waiting for training run %d (%s) to finish first%n",
                            json.get("runId").asLong(), json.path("trigger").asText("in progress"));
            return OptionalLong.of(-json.get("runId").asLong());
        }
        if (reply.status() == 409 && json.hasNonNull("runId")) {
            context.out()
                    .printf(
                            "A training run is already in progress: following run %d (%s)%n",
                            json.get("runId").asLong(), reply.message());
            return OptionalLong.of(json.get("runId").asLong());
        }
        if (reply.status() == 400) {
            throw new CliException("The trainer refused the options: " + reply.message());
        }
        if (reply.status() == 422) {
            context.err().println("The trainer will not train: " + reply.message());
            return OptionalLong.empty();
        }
        throw new CliException("The trainer at " + trainer + " replied HTTP " + reply.status() + " to POST /train: "
                + reply.message());
    }

    /** How a run ended. */
    record Outcome(
            long runId, String status, String message, Long modelVersion, Double testAccuracy, Integer testCount) {

        boolean succeeded() {
            return "SUCCEEDED".equals(status);
        }
    }

    /** Polls the run until it ends, printing its new log lines as they come, then its result. */
    static Outcome follow(Context context, ServiceHttp http, String trainer, long runId) throws InterruptedException {
        PrintStream out = context.out();
        String url = ServiceHttp.join(trainer, "/runs/" + runId);
        Set<String> printedLines = new HashSet<>();
        int printed = 0;
        long lastContact = System.nanoTime();
        while (true) {
            ServiceHttp.Reply reply;
            try {
                reply = http.get(url);
            } catch (CliException e) {
                if (System.nanoTime() - lastContact > UNREACHABLE_LIMIT.toNanos()) {
                    throw new CliException("Lost the trainer while following run " + runId + ": " + e.getMessage(), e);
                }
                Thread.sleep(POLL_MILLIS * 2);
                continue;
            }
            lastContact = System.nanoTime();
            if (reply.status() == 404) {
                throw new CliException("The trainer at " + trainer + " has no run " + runId
                        + " (was it restarted?). Start a new one with ./retrain train --wait");
            }
            if (!reply.ok()) {
                throw new CliException(
                        "The trainer replied HTTP " + reply.status() + " to GET " + url + ": " + reply.message());
            }
            JsonNode run = reply.json();
            JsonNode log = run.path("log");
            for (int i = printed; i < log.size(); i++) {
                String line = log.get(i).asText();
                out.println(line);
                printedLines.add(line.strip());
            }
            printed = Math.max(printed, log.size());
            String status = run.path("status").asText("");
            if (Set.of("SUCCEEDED", "REJECTED", "FAILED", "REFUSED", "CANCELLED")
                    .contains(status)) {
                Outcome outcome = new Outcome(
                        runId,
                        status,
                        run.path("message").asText(null),
                        run.hasNonNull("modelVersion") ? run.get("modelVersion").asLong() : null,
                        run.hasNonNull("testAccuracy") ? run.get("testAccuracy").asDouble() : null,
                        run.hasNonNull("testCount") ? run.get("testCount").asInt() : null);
                report(context, outcome, printedLines);
                if ((outcome.succeeded() || status.equals("REJECTED"))
                        && run.path("report").isObject()) {
                    out.print(RunReportText.format(run.path("report")));
                }
                return outcome;
            }
            out.flush();
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static void report(Context context, Outcome outcome, Set<String> printedLines) {
        if (outcome.status().equals("REJECTED")) {
            context.out()
                    .printf(
                            "Training run %d was not published (the serving model stays): %s%n"
                                    + "Add --force_publish to publish it anyway.%n",
                            outcome.runId(), outcome.message());
            return;
        }
        if (outcome.status().equals("CANCELLED")) {
            context.err().printf("Training run %d was cancelled: nothing was published.%n", outcome.runId());
            return;
        }
        if (!outcome.succeeded()) {
            context.err()
                    .printf(
                            "Training run %d %s: %s%n",
                            outcome.runId(),
                            outcome.status().equals("REFUSED") ? "was refused" : "failed",
                            outcome.message() == null
                                    ? "(no message; see .retrain/logs/trainer.log)"
                                    : outcome.message());
            return;
        }
        if (outcome.testAccuracy() != null) {
            String line = accuracyLine(outcome.testAccuracy(), outcome.testCount());
            if (!printedLines.contains(line)) {
                context.out().println(line);
            }
        }
        if (outcome.modelVersion() != null) {
            String line = "Published model version " + outcome.modelVersion();
            if (!printedLines.contains(line)) {
                context.out().println(line);
            }
        }
    }

    /**
     * retrain.py's last line, e.g. {@code Final test accuracy = 85.9% (N=78)}; the accuracy is a fraction (a value
     * above 1 is taken as a percentage already).
     */
    static String accuracyLine(double accuracy, Integer testCount) {
        double percent = accuracy <= 1.0 ? accuracy * 100 : accuracy;
        return String.format(Locale.ROOT, "Final test accuracy = %.1f%%", percent)
                + (testCount == null ? "" : " (N=" + testCount + ")");
    }
}
