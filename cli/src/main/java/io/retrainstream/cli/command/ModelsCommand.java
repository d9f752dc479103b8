package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.ServiceHttp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./retrain models}: the published model versions and which one classifiers serve; with
 * {@link Rollback} and {@link Unpin}, pins an older version or follows the newest again.
 */
@Command(
        name = "models",
        header = "list the published model versions and the one being served",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain models [--trainer URL]",
        description = {
            "",
            "Lists every published model version, newest first, with its architecture, classes and "
                    + "test accuracy, and marks the version classifiers serve (pinned, or the newest)."
        },
        optionListHeading = "%nOptions:%n")
public final class ModelsCommand extends CliCommand {

    @Mixin
    private TrainerOption trainer;

    public ModelsCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() {
        ServiceHttp.Reply reply =
                new ServiceHttp(context.workspace()).get(ServiceHttp.join(trainer.url(context), "/models"));
        if (!reply.ok()) {
            throw new CliException(
                    "The trainer replied HTTP " + reply.status() + " to GET /models: " + reply.message());
        }
        print(context, reply.json());
        return 0;
    }

    static void print(Context context, JsonNode catalog) {
        JsonNode versions = catalog.path("versions");
        if (versions.isEmpty()) {
            context.out().println("No model has been published yet: ./retrain train --wait");
            return;
        }
        long serving = catalog.path("serving").asLong(-1);
        context.out()
                .printf(
                        "%-3s %7s  %-30s %-10s %-14s %s%n",
                        "", "VERSION", "ARCHITECTURE", "FEATURES", "TEST ACCURACY", "CLASSES");
        for (JsonNode version : versions) {
            JsonNode metrics = version.path("metrics");
            String accuracy = metrics.hasNonNull("testAccuracy")
                            && !metrics.path("testAccuracy").asText().equals("NaN")
                    ? String.format(
                            "%.1f%% (N=%d)",
                            metrics.path("testAccuracy").asDouble() * 100,
                            metrics.path("testCount").asInt())
                    : "n/a";
            context.out()
                    .printf(
                            "%-3s %7d  %-30s %-10s %-14s %s%n",
                            version.path("version").asLong() == serving ? "*" : "",
                            version.path("version").asLong(),
                            version.path("architecture").asText(),
                            version.path("feature").asText(),
                            accuracy,
                            version.path("labels"));
        }
        context.out()
                .println(
                        catalog.hasNonNull("pinned")
                                ? "* served: pinned to version "
                                        + catalog.get("pinned").asLong() + " (./retrain unpin to follow the newest)"
                                : "* served: the newest version (./retrain rollback VERSION pins an older one)");
    }

    /** {@code ./retrain rollback VERSION}: classifiers serve that version until unpinned. */
    @Command(
            name = "rollback",
            header = "pin classifiers to a published model version",
            synopsisHeading = "",
            customSynopsis = "Usage: ./retrain rollback VERSION [--trainer URL]",
            description = {
                "",
                "Pins classifiers to VERSION (see ./retrain models) until ./retrain unpin. The pin "
                        + "survives restarts: it is kept on the compacted topic models.current."
            },
            optionListHeading = "%nOptions:%n")
    public static final class Rollback extends CliCommand {

        @Parameters(paramLabel = "VERSION", description = "a published model version (see ./retrain models)")
        private String version;

        @Mixin
        private TrainerOption trainer;

        public Rollback(Context context) {
            super(context);
        }

        @Override
        public Integer call() throws UsageException {
            if (!version.matches("[0-9]+")) {
                throw new UsageException("rollback takes one model version, e.g. ./retrain rollback 3");
            }
            ServiceHttp.Reply reply = new ServiceHttp(context.workspace())
                    .post(ServiceHttp.join(trainer.url(context), "/models/" + version + "/pin"), new byte[0], null);
            if (!reply.ok()) {
                throw new CliException("Cannot pin version " + version + ": " + reply.message());
            }
            print(context, reply.json());
            return 0;
        }
    }

    /** {@code ./retrain unpin}: classifiers follow the newest version again. */
    @Command(
            name = "unpin",
            header = "let classifiers follow the newest model version again",
            synopsisHeading = "",
            customSynopsis = "Usage: ./retrain unpin [--trainer URL]",
            description = {"", "Undoes ./retrain rollback: classifiers serve the newest published version again."},
            optionListHeading = "%nOptions:%n")
    public static final class Unpin extends CliCommand {

        @Mixin
        private TrainerOption trainer;

        public Unpin(Context context) {
            super(context);
        }

        @Override
        public Integer call() {
            ServiceHttp.Reply reply =
                    new ServiceHttp(context.workspace()).delete(ServiceHttp.join(trainer.url(context), "/models/pin"));
            if (!reply.ok()) {
                throw new CliException("Cannot unpin: " + reply.message());
            }
            print(context, reply.json());
            return 0;
        }
    }
}
