package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.common.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** Writes the broker's config and formats its storage the first time; the supervisor starts it. */
    static Broker prepareBroker(Context context, State state) throws InterruptedException {
        Workspace workspace = context.workspace();
        Broker broker = new Broker(workspace.libDir(), workspace.kafkaDir(), state.kafkaPort(), state.controllerPort());
        broker.writeConfig();
        if (!broker.isFormatted()) {
            StatusLine status = new StatusLine(context.err(), context.interactive());
            status.update("Formatting Kafka storage in " + workspace.display(broker.dataDir()) + "...");
            broker.formatIfNeeded(workspace.logFile(State.KAFKA));
            status.clear();
        }
        return broker;
    }
}
