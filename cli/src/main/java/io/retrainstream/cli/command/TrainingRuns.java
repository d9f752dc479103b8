package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.stack.ServiceHttp;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A training run as the CLI sees it through the trainer's HTTP API: starting one (or letting the one in progress end
 * first), following its progress lines to its end, reporting its outcome, and waiting until the classifier serves
 * the version it published. {@code train} and {@code demo} share it.
 */
final class TrainingRuns {

    private static final long POLL_MILLIS = 500;
    /** How long {@code --wait} waits for the classifier to serve a published version. */
    static final Duration MODEL_TIMEOUT = Duration.ofMinutes(2);
    /** How long the trainer may be unreachable while a run is followed before giving up. */
    private static final Duration UNREACHABLE_LIMIT = Duration.ofSeconds(30);

    private TrainingRuns() {}

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
