package io.retrainstream.cli;

import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code ./retrain cancel [RUN_ID]}: stops a training run ({@code DELETE /runs/{id}}); without an id, the one in
 * progress. A cancelled run publishes nothing and writes no model files; continuous mode goes on with new data.
 */
final class CancelCommand implements Command {

    @Override
    public String name() {
        return "cancel";
    }

    @Override
    public String summary() {
        return "stop a training run (by default the one in progress); it publishes nothing";
    }

    @Override
    public String usage() {
        return """
                Usage: ./retrain cancel [RUN_ID] [--trainer URL]

                Stops training run RUN_ID, or the run in progress when no id is given (see ./retrain status).
                The run stops before its next training step, ends CANCELLED and publishes no model version;
                continuous mode starts its next run when new images arrive. A run that has ended, or is
                already publishing its model, cannot be cancelled.

                Options:
                  --trainer URL  the trainer (default: the one ./retrain up started, else http://localhost:8082)
                """;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("trainer");
    }

    @Override
    public int run(Args args, Context context) throws UsageException {
        if (args.positionals().size() > 1
                || (args.positionals().size() == 1 && !args.positionals().get(0).matches("[0-9]+"))) {
            throw new UsageException("cancel takes at most one run id, e.g. ./retrain cancel 3");
        }
        String trainer = ModelsCommand.trainer(args, context);
        ServiceHttp http = new ServiceHttp(context.workspace());
        OptionalLong runId = args.positionals().isEmpty() ? running(http, trainer)
                : OptionalLong.of(Long.parseLong(args.positionals().get(0)));
        if (runId.isEmpty()) {
            context.out().println("No training run is in progress: nothing to cancel.");
            return 0;
        }
        ServiceHttp.Reply reply = http.delete(ServiceHttp.join(trainer, "/runs/" + runId.getAsLong()));
        switch (reply.status()) {
            case 200 -> context.out().printf("Cancelled training run %d: nothing was published.%n",
                    runId.getAsLong());
            case 202 -> context.out().printf("Asked training run %d to stop; it is still stopping "
                    + "(./retrain status).%n", runId.getAsLong());
            case 404 -> throw new CliException("The trainer has no run " + runId.getAsLong() + " (./retrain status "
                    + "shows the last one).");
            case 409 -> throw new CliException("Cannot cancel: " + reply.message());
            default -> throw new CliException("The trainer replied HTTP " + reply.status() + " to DELETE /runs/"
                    + runId.getAsLong() + ": " + reply.message());
        }
        return 0;
    }

    /** The id of the run in progress, if any. */
    private static OptionalLong running(ServiceHttp http, String trainer) {
        ServiceHttp.Reply reply = http.get(ServiceHttp.join(trainer, "/runs"));
        if (!reply.ok()) {
            throw new CliException("The trainer replied HTTP " + reply.status() + " to GET /runs: " + reply.message());
        }
        for (JsonNode run : reply.json()) {
            if ("RUNNING".equals(run.path("status").asText())) {
                return OptionalLong.of(run.path("runId").asLong());
            }
        }
        return OptionalLong.empty();
    }
}
