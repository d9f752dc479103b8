package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./retrain down}: stops the supervisor (so that it restarts nothing), then the services, then the broker.
 * Kafka's data stays unless {@code --purge}.
 */
@Command(
        name = "down",
        header = "stop the services and Kafka (--purge also deletes Kafka's data)",
        synopsisHeading = "",
        customSynopsis = "Usage: ./retrain down [--purge]",
        description = {
            "",
            "Stops the supervisor first, so that it restarts nothing, then the classifiers, trainer and "
                    + "extractors, then Kafka (each gets 20 s to stop cleanly).",
            "Kafka's data in .retrain/kafka is kept, so the next ./retrain up finds the bottlenecks and models again."
        },
        optionListHeading = "%nOptions:%n")
public final class DownCommand extends CliCommand {

    static final Duration GRACE = Duration.ofSeconds(20);

    @Option(
            names = "--purge",
            description = "also delete Kafka's data (.retrain/kafka, every broker's): the next start is from scratch, "
                    + "with any --brokers")
    private boolean purge;

    public DownCommand(Context context) {
        super(context);
    }

    @Override
    public Integer call() throws InterruptedException {
        Workspace workspace = context.workspace();
        Map<String, Long> pids = recordedPids(workspace);
        boolean anyAlive =
                pids.entrySet().stream().anyMatch(e -> Processes.isAlive(e.getValue(), State.marker(e.getKey())));
        if (anyAlive) {
            stopAll(context, true);
        } else {
            context.out().println("Nothing is running.");
        }
        forget(workspace);
        if (purge) {
            deleteTree(workspace.kafkaDir());
            context.out().println("Deleted Kafka's data (" + workspace.display(workspace.kafkaDir()) + ")");
        }
        return 0;
    }

    /** The processes {@code up} recorded, by name: from state.json and the pid files (which win). */
    static Map<String, Long> recordedPids(Workspace workspace) {
        Map<String, Long> pids = new LinkedHashMap<>();
        State.load(workspace).ifPresent(state -> pids.putAll(state.pids()));
        pidFiles(workspace).forEach(file -> Processes.readPid(file).ifPresent(pid -> pids.put(name(file), pid)));
        return pids;
    }

    /** The pid files whose process still runs, by name. */
    static Map<String, Long> alivePidFiles(Workspace workspace) {
        Map<String, Long> alive = new LinkedHashMap<>();
        for (Path file : pidFiles(workspace)) {
            Processes.readPid(file)
                    .filter(pid -> Processes.isAlive(pid, State.marker(name(file))))
                    .ifPresent(pid -> alive.put(name(file), pid));
        }
        return alive;
    }

    /**
     * Stops the supervisor, then the services, every instance (all at once), then the brokers (all at once): SIGTERM, up to 20 s, then SIGKILL. The
     * pids are read again once the supervisor has stopped, as it may have restarted something meanwhile.
     */
    static void stopAll(Context context, boolean verbose) {
        Map<String, Long> pids = recordedPids(context.workspace());
        if (pids.containsKey(Supervisor.NAME)) {
            stop(context, Map.of(Supervisor.NAME, pids.get(Supervisor.NAME)), verbose);
            pids = recordedPids(context.workspace());
        }
        Map<String, Long> services = new LinkedHashMap<>();
        for (Service service : List.of(Service.CLASSIFIER, Service.TRAINER, Service.EXTRACTOR)) {
            pids.forEach((name, pid) -> {
                if (Service.ofInstance(name).equals(Optional.of(service))) {
                    services.put(name, pid);
                }
            });
        }
        stop(context, services, verbose);
        Map<String, Long> brokers = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            if (State.isBroker(name)) {
                brokers.put(name, pid);
            }
        });
        stop(context, brokers, verbose);
    }

    private static void stop(Context context, Map<String, Long> pids, boolean verbose) {
        Map<String, Long> signalled = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            if (Processes.isAlive(pid, State.marker(name)) && Processes.requestStop(pid)) {
                signalled.put(name, pid);
            }
        });
        signalled.forEach((name, pid) -> {
            boolean clean = Processes.awaitExit(pid, GRACE);
            if (verbose || !clean) {
                context.out()
                        .printf(
                                "Stopped %-10s (pid %d)%s%n",
                                name,
                                pid,
                                clean ? "" : ": it did not stop within " + GRACE.toSeconds() + " s and was killed");
            }
        });
    }

    /** Removes the pid files, state.json and the supervisor's plan (the logs and the admin token stay). */
    static void forget(Workspace workspace) {
        deletePidFiles(workspace);
        try {
            Files.deleteIfExists(workspace.supervisorPlanFile());
            Files.deleteIfExists(workspace.stateFile());
        } catch (IOException e) {
            throw new CliException("Cannot delete " + workspace.stateFile() + ": " + e.getMessage(), e);
        }
    }

    static void deletePidFiles(Workspace workspace) {
        for (Path file : pidFiles(workspace)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new CliException("Cannot delete " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static List<Path> pidFiles(Workspace workspace) {
        if (!Files.isDirectory(workspace.pidsDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(workspace.pidsDir())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pid"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }

    private static String name(Path pidFile) {
        String file = pidFile.getFileName().toString();
        return file.substring(0, file.length() - ".pid".length());
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new CliException("Cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
