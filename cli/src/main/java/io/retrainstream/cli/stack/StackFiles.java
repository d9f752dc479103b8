package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.common.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files {@code ./retrain up} writes under {@code .retrain/} before the supervisor starts: the folders, the first
 * {@code state.json}, and the broker's configuration and formatted storage.
 */
final class StackFiles {

    private StackFiles() {}

    /** The state before anything started: the ports of every service instance and the settings, no pids. */
    static State initialState(UpCommand.Options options, Architecture architecture) {
        return new State(
                architecture.name(),
                options.modelDir().map(Path::toString).orElse(null),
                options.kafkaPort(),
                options.kafkaPort() + 1,
                options.brokers(),
                StackPlan.instancePorts(options),
                options.listen());
    }

    /** The logs, pids and Kafka folders; pid files of processes that are gone are deleted. */
    static void createDirs(Workspace workspace) {
        try {
            Files.createDirectories(workspace.logsDir());
            Files.createDirectories(workspace.pidsDir());
            Files.createDirectories(workspace.kafkaDir());
            DownCommand.deletePidFiles(workspace);
        } catch (IOException e) {
            throw new CliException("Cannot create " + workspace.home() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes every broker's config and formats the storage of those not formatted yet, all with the cluster id of the
     * first (a new one the first time); the supervisor starts them. A workspace whose data was formatted for another
     * number of brokers is refused: its cluster's quorum is fixed when it is formatted.
     */
    static List<Broker> prepareBrokers(Context context, State state) throws InterruptedException {
        Workspace workspace = context.workspace();
        List<Broker> brokers = new ArrayList<>();
        for (int node = 1; node <= state.brokers(); node++) {
            brokers.add(Broker.of(workspace.libDir(), workspace.kafkaDir(node), state, node));
        }
        Broker first = brokers.get(0);
        refuseOtherClusterSize(workspace, state.brokers());
        String clusterId = first.clusterId().orElseGet(Broker::newClusterId);
        StatusLine status = new StatusLine(context.err(), context.interactive());
        for (Broker broker : brokers) {
            broker.writeConfig();
            if (!broker.isFormatted()) {
                status.update("Formatting Kafka storage in " + workspace.display(broker.dataDir()) + "...");
                broker.formatIfNeeded(clusterId, workspace.logFile(State.brokerName(broker.nodeId())));
            } else if (!broker.clusterId().orElse("").equals(clusterId)) {
                status.clear();
                throw new CliException("The Kafka data in " + workspace.display(broker.dataDir())
                        + " belongs to another cluster (id "
                        + broker.clusterId().orElse("?") + ", not " + clusterId
                        + "). Delete it with ./retrain down --purge and start again.");
            }
        }
        status.clear();
        writeFormattedBrokers(workspace, state.brokers());
        return brokers;
    }

    /**
     * Refuses to start {@code brokers} brokers on Kafka data formatted for another number (the quorum of a KRaft cluster
     * is fixed when it is formatted), saying what to do instead.
     */
    static void refuseOtherClusterSize(Workspace workspace, int brokers) {
        if (!Files.isRegularFile(workspace.kafkaDir(1).resolve("data").resolve("meta.properties"))) {
            return;
        }
        int formattedFor = formattedBrokers(workspace);
        if (formattedFor != brokers) {
            throw new CliException("The Kafka data in " + workspace.display(workspace.kafkaDir())
                    + " belongs to a cluster of " + formattedFor + (formattedFor == 1 ? " broker" : " brokers")
                    + ", whose quorum cannot grow or shrink to " + brokers
                    + ". Start it as it is with ./retrain up --brokers " + formattedFor
                    + ", or delete its data (images, bottlenecks, models) with ./retrain down --purge and "
                    + "start again with --brokers " + brokers + ".");
        }
    }

    /** How many brokers the workspace's Kafka data was formatted for: 1 when it does not say (formatted before). */
    static int formattedBrokers(Workspace workspace) {
        Path file = workspace.kafkaBrokersFile();
        if (!Files.isRegularFile(file)) {
            return 1;
        }
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            throw new CliException("Cannot read " + workspace.display(file) + " (" + e.getMessage()
                    + "): it should hold the number of brokers the Kafka data was formatted for.");
        }
    }

    private static void writeFormattedBrokers(Workspace workspace, int brokers) {
        try {
            Files.writeString(workspace.kafkaBrokersFile(), brokers + "\n");
        } catch (IOException e) {
            throw new CliException("Cannot write " + workspace.kafkaBrokersFile() + ": " + e.getMessage(), e);
        }
    }
}
