package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.Context;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./retrain status}: a table of the broker and the services. */
@Command(
        name = "status",
        header = "show whether Kafka and the services run and are healthy",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain status [--json]",
        description = {
            "",
            "Shows the process id, port and health of Kafka and of each service started by ./retrain "
                    + "up, how often the supervisor restarted each and why it did last, and whether the supervisor runs.",
            "With --json, the same as one JSON document: {\"healthy\": ..., \"processes\": [{\"name\", \"role\", "
                    + "\"pid\", \"alive\", \"ports\", \"url\", \"health\" (UP, STARTED, DOWN or NOT_RUNNING), "
                    + "\"healthDetail\", \"restarts\", \"lastRestartReason\", \"lastRestartAt\"}, ...], "
                    + "\"training\": ...}.",
            "Exits 0 when all of them run and answer, 1 otherwise."
        },
        optionListHeading = "%nOptions:%n")
public final class StatusCommand extends CliCommand {

    @Option(
            names = "--json",
            description = {
                "print one JSON document instead of the table, for scripts: every process with its name, role, "
                        + "pid, ports, URL, health and restarts, whether all are healthy, and what the trainer serves"
            })
    private boolean json;

    public StatusCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() {
        Workspace workspace = context.workspace();
        Optional<StackStatus> status = new StatusProbe(workspace).probe();
        if (json) {
            context.out()
                    .println(status.orElseGet(() -> StackStatus.of(
                                    null,
                                    null,
                                    workspace.logsDir().toAbsolutePath().toString(),
                                    List.of(),
                                    null))
                            .toJson());
        } else if (status.isPresent()) {
            printText(context.out(), workspace, status.get());
        } else {
            context.out().println("Nothing is running. Start with ./retrain up");
        }
        return status.map(StackStatus::healthy).orElse(false) ? 0 : 1;
    }

    /** The table for people, then what the trainer serves and how its last run ended. */
    static void printText(PrintStream out, Workspace workspace, StackStatus status) {
        if (status.architecture() != null) {
            out.printf(
                    "retrain-stream with architecture %s%s; logs in %s/%n",
                    status.architecture(),
                    status.modelDir() == null ? "" : " (model dir " + status.modelDir() + ")",
                    workspace.display(Path.of(status.logs())));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "PID", "ALIVE", "PORT", "HEALTH", "RESTARTS", "LAST EXIT"});
        boolean supervising = false;
        for (StackStatus.ProcessStatus process : status.processes()) {
            boolean supervisor = process.role().equals(Supervisor.NAME);
            supervising |= supervisor && process.alive();
            rows.add(new String[] {
                process.name(),
                process.pid() == null ? "-" : process.pid().toString(),
                process.alive() ? "yes" : "no",
                process.ports().isEmpty()
                        ? "-"
                        : process.ports().values().iterator().next().toString(),
                process.healthText(),
                supervisor ? "-" : Integer.toString(process.restarts()),
                process.lastRestartReason() == null
                        ? ""
                        : process.lastRestartReason() + " at " + process.lastRestartAt()
            });
        }
        printTable(out, rows);
        if (!supervising) {
            out.println("The supervisor is not running: nothing restarts a process that stops. Restart everything "
                    + "with ./retrain down, then ./retrain up.");
        }
        if (status.training() != null) {
            printTraining(out, status.training());
        }
    }

    /** The version classifiers serve and how the last training run ended. */
    private static void printTraining(PrintStream out, StackStatus.Training training) {
        if (training.servingVersion() != null) {
            out.printf(
                    "Serving model version %d%s (./retrain models lists them all)%n",
                    training.servingVersion(), training.pinned() ? ", pinned" : "");
        }
        StackStatus.LastRun last = training.lastRun();
        if (last != null) {
            out.printf(
                    "Last training run %d (%s): %s%s%n",
                    last.runId(),
                    last.triggerText(),
                    last.status(),
                    last.message() == null ? "" : ", " + last.message());
        }
    }

    public static void printTable(PrintStream out, List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
