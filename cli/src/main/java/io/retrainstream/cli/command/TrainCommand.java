package io.retrainstream.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.stack.Service;
import io.retrainstream.cli.stack.ServiceHttp;
import io.retrainstream.cli.stack.State;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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

    /** The trainer's option that trains on the bottlenecks there are, without waiting for the photos published. */
    static final String WAIT_FOR_EXTRACTION = "wait_for_extraction";

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
            new RunOption(
                    "samples_per_training_photo",
                    "N",
                    "instead of how_many_training_steps: ceil(N × training images / train_batch_size) steps, as the "
                            + "Inception sample's retrain.sh sets them (e.g. 75)"),
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
            new RunOption(
                    "views",
                    "original|original,mirror",
                    "the views of each photo the head learns from and answers the mean over (default: the "
                            + "trainer's retrain.views); the mirror needs mode improved and an extractor that computes "
                            + "mirrors"),
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
        OptionalLong runId = TrainingRuns.startOwn(
                context, http, trainer, body(spec, noWaitForPhotos ? Map.of(WAIT_FOR_EXTRACTION, false) : Map.of()));
        if (runId.isEmpty()) {
            return 1;
        }
        if (!wait) {
            context.out().println("Follow it with ./retrain train --wait");
            return 0;
        }
        TrainingRuns.Outcome outcome = TrainingRuns.follow(context, http, trainer, runId.getAsLong());
        if (!outcome.succeeded() && !outcome.status().equals("REJECTED")) {
            return 1;
        }
        // published: the new version; kept back by the promotion gate: the one the classifier keeps serving
        TrainingRuns.awaitServed(
                context,
                http,
                classifier != null ? classifier : State.defaultUrl(context.workspace(), Service.CLASSIFIER),
                outcome.succeeded() ? outcome.modelVersion() : null);
        return outcome.succeeded() ? 0 : 1;
    }
}
