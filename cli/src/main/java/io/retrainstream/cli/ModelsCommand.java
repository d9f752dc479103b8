package io.retrainstream.cli;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code ./retrain models}: the published model versions and which one classifiers serve; with
 * {@link Rollback} and {@link Unpin}, pins an older version or follows the newest again.
 */
final class ModelsCommand implements Command {

    @Override
    public String name() {
        return "models";
    }

    @Override
    public String summary() {
        return "list the published model versions and the one being served";
    }

    @Override
    public String usage() {
        return """
                Usage: ./retrain models [--trainer URL]

                Lists every published model version, newest first, with its architecture, classes and test
                accuracy, and marks the version classifiers serve (pinned, or the newest).

                Options:
                  --trainer URL  the trainer (default: the one ./retrain up started, else http://127.0.0.1:8082)
                """;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("trainer");
    }

    @Override
    public int run(Args args, Context context) throws UsageException {
        args.noPositionals();
        ServiceHttp.Reply reply = new ServiceHttp(context.workspace())
                .get(ServiceHttp.join(trainer(args, context), "/models"));
        if (!reply.ok()) {
            throw new CliException("The trainer replied HTTP " + reply.status() + " to GET /models: "
                    + reply.message());
        }
        print(context, reply.json());
        return 0;
    }

    static String trainer(Args args, Context context) {
        return args.value("trainer").orElseGet(() -> State.defaultUrl(context.workspace(), Service.TRAINER));
    }

    static void print(Context context, JsonNode catalog) {
        JsonNode versions = catalog.path("versions");
        if (versions.isEmpty()) {
            context.out().println("No model has been published yet: ./retrain train --wait");
            return;
        }
        long serving = catalog.path("serving").asLong(-1);
        context.out().printf("%-3s %7s  %-30s %-10s %-14s %s%n", "", "VERSION", "ARCHITECTURE", "FEATURES",
                "TEST ACCURACY", "CLASSES");
        for (JsonNode version : versions) {
            JsonNode metrics = version.path("metrics");
            String accuracy = metrics.hasNonNull("testAccuracy") && !metrics.path("testAccuracy").asText()
                    .equals("NaN") ? String.format("%.1f%% (N=%d)", metrics.path("testAccuracy").asDouble() * 100,
                            metrics.path("testCount").asInt()) : "n/a";
            context.out().printf("%-3s %7d  %-30s %-10s %-14s %s%n", version.path("version").asLong() == serving
                    ? "*" : "", version.path("version").asLong(), version.path("architecture").asText(),
                    version.path("feature").asText(), accuracy, version.path("labels"));
        }
        context.out().println(catalog.hasNonNull("pinned")
                ? "* served: pinned to version " + catalog.get("pinned").asLong()
                        + " (./retrain unpin to follow the newest)"
                : "* served: the newest version (./retrain rollback VERSION pins an older one)");
    }

    /** {@code ./retrain rollback VERSION}: classifiers serve that version until unpinned. */
    static final class Rollback implements Command {
        @Override
        public String name() {
            return "rollback";
        }

        @Override
        public String summary() {
            return "pin classifiers to a published model version";
        }

        @Override
        public String usage() {
            return """
                    Usage: ./retrain rollback VERSION [--trainer URL]

                    Pins classifiers to VERSION (see ./retrain models) until ./retrain unpin. The pin survives
                    restarts: it is kept on the compacted topic models.current.
                    """;
        }

        @Override
        public Set<String> valueOptions() {
            return Set.of("trainer");
        }

        @Override
        public int run(Args args, Context context) throws UsageException {
            if (args.positionals().size() != 1 || !args.positionals().get(0).matches("[0-9]+")) {
                throw new UsageException("rollback takes one model version, e.g. ./retrain rollback 3");
            }
            String version = args.positionals().get(0);
            ServiceHttp.Reply reply = new ServiceHttp(context.workspace()).post(
                    ServiceHttp.join(trainer(args, context), "/models/" + version + "/pin"), new byte[0], null);
            if (!reply.ok()) {
                throw new CliException("Cannot pin version " + version + ": " + reply.message());
            }
            print(context, reply.json());
            return 0;
        }
    }

    /** {@code ./retrain unpin}: classifiers follow the newest version again. */
    static final class Unpin implements Command {
        @Override
        public String name() {
            return "unpin";
        }

        @Override
        public String summary() {
            return "let classifiers follow the newest model version again";
        }

        @Override
        public String usage() {
            return """
                    Usage: ./retrain unpin [--trainer URL]

                    Undoes ./retrain rollback: classifiers serve the newest published version again.
                    """;
        }

        @Override
        public Set<String> valueOptions() {
            return Set.of("trainer");
        }

        @Override
        public int run(Args args, Context context) throws UsageException {
            args.noPositionals();
            ServiceHttp.Reply reply = new ServiceHttp(context.workspace())
                    .delete(ServiceHttp.join(trainer(args, context), "/models/pin"));
            if (!reply.ok()) {
                throw new CliException("Cannot unpin: " + reply.message());
            }
            print(context, reply.json());
            return 0;
        }
    }
}
