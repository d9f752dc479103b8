package io.retrainstream.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.UsageException;
import io.retrainstream.cli.stack.ServiceHttp;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./retrain cancel [RUN_ID]}: stops a training run ({@code DELETE /runs/{id}}); without an id, the one in
 * progress. A cancelled run publishes nothing and writes no model files; continuous mode goes on with new data.
 */
@Command(
        name = "cancel",
        header = "stop a training run (by default the one in progress); it publishes nothing",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain cancel [RUN_ID] [--trainer URL]",
        description = {
            "",
            "Stops training run RUN_ID, or the run in progress when no id is given (see ./retrain "
                    + "status). The run stops before its next training step, ends CANCELLED and publishes no model "
                    + "version; continuous mode starts its next run when new images arrive. A run that has ended, or is "
                    + "already publishing its model, cannot be cancelled."
        },
        optionListHeading = "%nOptions:%n")
public final class CancelCommand extends CliCommand {

    @Parameters(paramLabel = "RUN_ID", arity = "0..1", description = "the run to stop (default: the one in progress)")
    private String runIdArg;

    @Mixin
    private TrainerOption trainerOption;

    public CancelCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws UsageException {
        if (runIdArg != null && !runIdArg.matches("[0-9]+")) {
            throw new UsageException("cancel takes at most one run id, e.g. ./retrain cancel 3");
        }
        String trainer = trainerOption.url(context);
        ServiceHttp http = new ServiceHttp(context.workspace());
        OptionalLong runId = runIdArg == null ? running(http, trainer) : OptionalLong.of(Long.parseLong(runIdArg));
        if (runId.isEmpty()) {
            context.out().println("No training run is in progress: nothing to cancel.");
            return 0;
        }
        ServiceHttp.Reply reply = http.delete(ServiceHttp.join(trainer, "/runs/" + runId.getAsLong()));
        switch (reply.status()) {
            case 200 -> context.out().printf("Cancelled training run %d: nothing was published.%n", runId.getAsLong());
            case 202 -> context.out()
                    .printf(
                            "Asked training run %d to stop; it is still stopping " + "(./retrain status).%n",
                            runId.getAsLong());
            case 404 -> throw new CliException(
                    "The trainer has no run " + runId.getAsLong() + " (./retrain status " + "shows the last one).");
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
