package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.Context;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;

/** {@code ./retrain status}: a table of the broker and the services. */
@Command(
        name = "status",
        header = "show whether Kafka and the services run and are healthy",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain status",
        description = {
            "",
            "Shows the process id, port and health of Kafka and of each service started by ./retrain "
                    + "up, how often the supervisor restarted each and why it did last, and whether the supervisor runs.",
            "Exits 0 when all of them run and answer, 1 otherwise."
        },
        optionListHeading = "%nOptions:%n")
public final class StatusCommand extends CliCommand {

    public StatusCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() {
        Workspace workspace = context.workspace();
        PrintStream out = context.out();
        Optional<State> loaded = State.load(workspace);
        Map<String, Long> pids = DownCommand.recordedPids(workspace);
        if (loaded.isEmpty() && pids.isEmpty()) {
            out.println("Nothing is running. Start with ./retrain up");
            return 1;
        }
        State state = loaded.orElseGet(() -> new State(null, null, 9092, 9093, Map.of(), null));
        if (state.architecture() != null) {
            out.printf(
                    "retrain-stream with architecture %s%s; logs in %s/%n",
                    state.architecture(),
                    state.modelDir() == null ? "" : " (model dir " + state.modelDir() + ")",
                    workspace.display(workspace.logsDir()));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "PID", "ALIVE", "PORT", "HEALTH", "RESTARTS", "LAST EXIT"});
        boolean allUp = true;

        Long kafkaPid = pids.get(State.KAFKA);
        boolean kafkaAlive = kafkaPid != null && Processes.isAlive(kafkaPid, Broker.MAIN_CLASS);
        String kafkaHealth = !kafkaAlive
                ? "not running"
                : Broker.isReachable(state.bootstrap(), Duration.ofSeconds(3)) ? "UP" : "DOWN";
        allUp &= kafkaHealth.equals("UP");
        rows.add(new String[] {
            State.KAFKA,
            kafkaPid == null ? "-" : kafkaPid.toString(),
            kafkaAlive ? "yes" : "no",
            Integer.toString(state.kafkaPort()),
            kafkaHealth,
            restarts(state, State.KAFKA),
            lastExit(state, State.KAFKA)
        });

        ServiceHttp http = new ServiceHttp(workspace, Duration.ofSeconds(5));
        for (Service service : Service.values()) {
            Long pid = pids.get(service.id());
            boolean alive = pid != null && Processes.isAlive(pid, service.commandMarker());
            String health = alive ? health(http, state, service) : "not running";
            allUp &= health.startsWith("UP") || health.startsWith("STARTED");
            rows.add(new String[] {
                service.id(),
                pid == null ? "-" : pid.toString(),
                alive ? "yes" : "no",
                Integer.toString(state.port(service)),
                health,
                restarts(state, service.id()),
                lastExit(state, service.id())
            });
        }
        Long supervisorPid = pids.get(Supervisor.NAME);
        boolean supervising = supervisorPid != null && Processes.isAlive(supervisorPid, Supervisor.MAIN_CLASS);
        allUp &= supervising;
        rows.add(new String[] {
            Supervisor.NAME,
            supervisorPid == null ? "-" : supervisorPid.toString(),
            supervising ? "yes" : "no",
            "-",
            supervising ? "UP" : "not running",
            "-",
            ""
        });
        printTable(out, rows);
        if (!supervising) {
            out.println("The supervisor is not running: nothing restarts a process that stops. Restart everything "
                    + "with ./retrain down, then ./retrain up.");
        }
        if (rows.stream().anyMatch(row -> row[0].equals(Service.TRAINER.id()) && row[4].equals("UP"))) {
            printTraining(out, http, state.url(Service.TRAINER));
        }
        return allUp ? 0 : 1;
    }

    /** The version classifiers serve and how the last training run ended. */
    private static void printTraining(PrintStream out, ServiceHttp http, String trainer) {
        ServiceHttp.Reply models = http.get(ServiceHttp.join(trainer, "/models"));
        if (models.ok() && models.json().hasNonNull("serving")) {
            out.printf(
                    "Serving model version %d%s (./retrain models lists them all)%n",
                    models.json().get("serving").asLong(), models.json().hasNonNull("pinned") ? ", pinned" : "");
        }
        ServiceHttp.Reply runs = http.get(ServiceHttp.join(trainer, "/runs"));
        if (runs.ok() && runs.json().isArray() && !runs.json().isEmpty()) {
            var last = runs.json().get(runs.json().size() - 1);
            out.printf(
                    "Last training run %d (%s): %s%s%n",
                    last.path("runId").asLong(),
                    last.path("trigger")
                            .asText()
                            .toLowerCase(java.util.Locale.ROOT)
                            .replace('_', ' '),
                    last.path("status").asText(),
                    last.hasNonNull("message") ? ", " + last.get("message").asText() : "");
        }
    }

    private static String restarts(State state, String name) {
        return Integer.toString(state.restartCount(name));
    }

    /** Why the supervisor restarted it last, and when. */
    private static String lastExit(State state, String name) {
        State.Restarts restarts = state.restarts().get(name);
        return restarts == null ? "" : restarts.lastReason() + " at " + restarts.lastAt();
    }

    private static String health(ServiceHttp http, State state, Service service) {
        Optional<Integer> ready = http.probe(state.url(service) + "/q/health/ready");
        if (ready.isPresent() && ready.get() == 200) {
            return "UP";
        }
        if (service == Service.CLASSIFIER
                && http.probe(state.url(service) + "/q/health/started")
                        .filter(code -> code == 200)
                        .isPresent()) {
            return "STARTED (no model yet)";
        }
        return ready.map(code -> "DOWN (HTTP " + code + ")").orElse("DOWN (no answer)");
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
