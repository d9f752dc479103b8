package io.retrainstream.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/** {@code ./retrain train}: asks the trainer for a training run and, with {@code --wait}, follows it to its end. */
final class TrainCommand implements Command {

    private static final long POLL_MILLIS = 500;
    /** How long the trainer may be unreachable while a run is followed before giving up. */
    private static final Duration UNREACHABLE_LIMIT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a new model on the bottlenecks the trainer has received";
    }

    @Override
    public String usage() {
        return """
                Usage: ./retrain train [--wait] [--trainer URL] [retrain.py options]

                Asks the trainer to train a new final layer on every bottleneck it has received (like a run of
                retrain.py). When a run is already in progress, follows that one instead.

                Options:
                  --wait         print the run's progress as it goes, then its report (test accuracy, confusion
                                 matrix, precision and recall per class, misclassified images, timings); exit 1
                                 when it fails or the promotion gate keeps it back
                  --trainer URL  the trainer (default: the one ./retrain up started, else http://127.0.0.1:8082)

                retrain.py's options for this run (the trainer's configuration gives the defaults; it checks
                every value and refuses a bad one naming it):
                  --how_many_training_steps N   --learning_rate X       --testing_percentage P
                  --validation_percentage P     --eval_step_interval N  --train_batch_size N
                  --test_batch_size N (-1 all)  --validation_batch_size N (-1 all)
                  --print_misclassified_test_images                     --final_tensor_name NAME
                  --output_labels FILE  --output_graph FILE  --saved_model_dir DIR  --summaries_dir DIR
                  --intermediate_store_frequency N  --intermediate_output_graphs_dir DIR
                                (written by the trainer on its machine, relative to its output root
                                 trainer.output-root; one set per published version)
                  --mode improved|retrain (improved: pooled features, Adam + L2, chosen on validation;
                                           retrain: retrain.py's method exactly)
                  --random_seed N
                  --warm_start     continue from the serving model's head (fewer steps; see trainer.continuous.*)
                                   instead of a cold run from scratch
                  --force_publish  publish even when the promotion gate finds the new model worse than the
                                   serving one on the test split
                  --flip_left_right  --random_crop P  --random_scale P  --random_brightness P
                                (retrain.py's distortions, mode retrain only: each step's images are
                                 distorted afresh by the extractor)

                Example:
                  ./retrain train --wait --how_many_training_steps 500 --mode retrain
                """;
    }

    /** retrain.py's options that take a value, passed to the trainer as they are. */
    static final List<String> TRAINING_OPTIONS = List.of("how_many_training_steps", "learning_rate",
            "testing_percentage", "validation_percentage", "eval_step_interval", "train_batch_size",
            "test_batch_size", "validation_batch_size", "final_tensor_name", "output_labels", "output_graph",
            "saved_model_dir", "summaries_dir", "intermediate_store_frequency", "intermediate_output_graphs_dir",
            "mode", "random_seed", "random_crop", "random_scale", "random_brightness");
    static final String PRINT_MISCLASSIFIED = "print_misclassified_test_images";
    static final String FLIP_LEFT_RIGHT = "flip_left_right";
    /** Run options of the trainer's own (not retrain.py's) that are flags. */
    static final List<String> RUN_FLAGS = List.of("warm_start", "force_publish");

    @Override
    public Set<String> valueOptions() {
        Set<String> options = new HashSet<>(TRAINING_OPTIONS);
        options.add("trainer");
        return options;
    }

    @Override
    public Set<String> flagOptions() {
        Set<String> flags = new HashSet<>(RUN_FLAGS);
        flags.addAll(List.of("wait", PRINT_MISCLASSIFIED, FLIP_LEFT_RIGHT));
        return flags;
    }

    /** The run's options as the JSON body of {@code POST /train}. */
    static byte[] body(Args args) {
        Map<String, Object> options = new LinkedHashMap<>();
        for (String name : TRAINING_OPTIONS) {
            args.value(name).ifPresent(value -> options.put(name, value));
        }
        if (args.flag(PRINT_MISCLASSIFIED)) {
            options.put(PRINT_MISCLASSIFIED, true);
        }
        if (args.flag(FLIP_LEFT_RIGHT)) {
            options.put(FLIP_LEFT_RIGHT, true);
        }
        for (String flag : RUN_FLAGS) {
            if (args.flag(flag)) {
                options.put(flag, true);
            }
        }
        try {
            return ServiceHttp.JSON.writeValueAsBytes(options);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int run(Args args, Context context) throws Exception {
        args.noPositionals();
        String trainer = args.value("trainer")
                .orElseGet(() -> State.defaultUrl(context.workspace(), Service.TRAINER));
        ServiceHttp http = new ServiceHttp(context.workspace());
        OptionalLong runId = start(context, http, trainer, body(args));
        if (runId.isEmpty()) {
            return 1;
        }
        if (!args.flag("wait")) {
            context.out().println("Follow it with ./retrain train --wait");
            return 0;
        }
        return follow(context, http, trainer, runId.getAsLong()).succeeded() ? 0 : 1;
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
        ServiceHttp.Reply reply = http.post(ServiceHttp.join(trainer, "/train"), body,
                body.length == 0 ? null : "application/json");
        JsonNode json = reply.json();
        if (reply.ok() && json.hasNonNull("runId")) {
            context.out().printf("Started training run %d (%s)%n", json.get("runId").asLong(),
                    json.path("status").asText("RUNNING"));
            return OptionalLong.of(json.get("runId").asLong());
        }
        if (reply.status() == 409 && json.hasNonNull("runId") && own) {
            context.out().printf("Waiting for training run %d (%s) to finish first%n", json.get("runId").asLong(),
                    json.path("trigger").asText("in progress"));
            return OptionalLong.of(-json.get("runId").asLong());
        }
        if (reply.status() == 409 && json.hasNonNull("runId")) {
            context.out().printf("A training run is already in progress: following run %d (%s)%n",
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
    record Outcome(long runId, String status, String message, Long modelVersion, Double testAccuracy,
            Integer testCount) {

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
                throw new CliException("The trainer replied HTTP " + reply.status() + " to GET " + url + ": "
                        + reply.message());
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
            if (Set.of("SUCCEEDED", "REJECTED", "FAILED", "REFUSED", "CANCELLED").contains(status)) {
                Outcome outcome = new Outcome(runId, status, run.path("message").asText(null),
                        run.hasNonNull("modelVersion") ? run.get("modelVersion").asLong() : null,
                        run.hasNonNull("testAccuracy") ? run.get("testAccuracy").asDouble() : null,
                        run.hasNonNull("testCount") ? run.get("testCount").asInt() : null);
                report(context, outcome, printedLines);
                if ((outcome.succeeded() || status.equals("REJECTED")) && run.path("report").isObject()) {
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
            context.out().printf("Training run %d was not published (the serving model stays): %s%n"
                    + "Add --force_publish to publish it anyway.%n", outcome.runId(), outcome.message());
            return;
        }
        if (outcome.status().equals("CANCELLED")) {
            context.err().printf("Training run %d was cancelled: nothing was published.%n", outcome.runId());
            return;
        }
        if (!outcome.succeeded()) {
            context.err().printf("Training run %d %s: %s%n", outcome.runId(),
                    outcome.status().equals("REFUSED") ? "was refused" : "failed",
                    outcome.message() == null ? "(no message; see .retrain/logs/trainer.log)" : outcome.message());
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
