package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.View;
import java.io.File;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./retrain up} from checked options to a running stack: the {@link Preflight} checks, the {@link StackFiles},
 * the {@link StackPlan} for the supervisor, the supervisor's start, the {@link Readiness} wait, and the summary of
 * what runs where. Whatever fails after the first process started stops everything again.
 */
final class StackLauncher {

    private StackLauncher() {}

    static int up(Context context, UpCommand.Options options) throws InterruptedException {
        Workspace workspace = context.workspace();
        Architecture architecture = Preflight.architecture(options.architecture());
        Preflight.refuseIfRunning(workspace);
        Preflight.checkFeatureModel(context, architecture, options);
        Preflight.checkBuilt(workspace);
        Preflight.checkPorts(options);
        StackFiles.refuseOtherClusterSize(workspace, options.brokers());

        State state = StackFiles.initialState(options, architecture);
        StackFiles.createDirs(workspace);
        AdminToken.Found token = AdminToken.ensure(workspace);
        long start = System.nanoTime();
        long supervisorPid;
        try {
            state.save(workspace);
            List<Broker> brokers = StackFiles.prepareBrokers(context, state);
            StackPlan.of(workspace, options, architecture, state, brokers).save(workspace);
            Process supervisor = startSupervisor(workspace, token);
            supervisorPid = supervisor.pid();
            Readiness readiness = new Readiness(context, supervisor);
            readiness.awaitBroker(state);
            readiness.awaitServices(state, options.serviceTimeout());
        } catch (InterruptedException | RuntimeException e) {
            context.err().println("Stopping what was started...");
            DownCommand.stopAll(context, false);
            DownCommand.forget(workspace);
            throw e;
        }
        printSummary(context, options, architecture, state, token, supervisorPid, start);
        return 0;
    }

    private static void printSummary(
            Context context,
            UpCommand.Options options,
            Architecture architecture,
            State state,
            AdminToken.Found token,
            long supervisorPid,
            long start) {
        Workspace workspace = context.workspace();
        long seconds = Math.round((System.nanoTime() - start) / 1e9);
        PrintStream out = context.out();
        out.printf(
                "retrain-stream is up (architecture %s%s, started in %d s):%n",
                architecture.name(),
                options.views().size() > 1 ? ", views " + String.join(",", View.ids(options.views())) : "",
                seconds);
        for (Service service : List.of(Service.CLASSIFIER, Service.EXTRACTOR, Service.TRAINER)) {
            for (String instance : state.instances(service)) {
                out.printf(
                        "  %-11s %s%s%n",
                        instance, state.url(instance), service == Service.CLASSIFIER ? "/classify" : "");
            }
        }
        out.println("  console     " + state.url(Service.TRAINER) + "/console/ (classify, teach, runs, models)");
        out.println("  kafka       " + state.bootstrap());
        out.println("  logs        " + workspace.display(workspace.logsDir()) + "/");
        out.println("  supervisor  pid " + supervisorPid + ", restarts whatever stops or stops answering (log "
                + workspace.display(workspace.logFile(Supervisor.NAME)) + ")");
        if (!options.listen().equals(State.LOOPBACK)) {
            out.println("  listening   on " + options.listen() + ": whoever reaches it can classify and read; the "
                    + "admin token guards the rest. Put TLS in front (the token travels in clear).");
        }
        out.println("  admin token " + token.source() + " (./retrain sends it; the trainer's and the extractor's "
                + "admin endpoints require it)");
        out.println(
                options.continuous()
                        ? "Next: ./retrain publish --image-dir DIR; the trainer retrains as the photos arrive (continuous "
                                + "mode), ./retrain status shows the served version. Stop everything with ./retrain down"
                        : "Next: ./retrain publish --image-dir DIR, then ./retrain train --wait. "
                                + "Stop everything with ./retrain down");
    }

    /**
     * Starts the supervisor in the background (its own session, so it outlives this command), with the admin token in
     * its environment for the services that get it.
     */
    static Process startSupervisor(Workspace workspace, AdminToken.Found token) {
        List<String> command = new ArrayList<>();
        command.add(Processes.javaBinary());
        command.addAll(Supervisor.JVM_OPTIONS);
        command.add("-cp");
        command.add(supervisorClasspath(workspace));
        command.add(Supervisor.MAIN_CLASS);
        command.add(workspace.root().toString());
        Process process = Processes.startDetached(
                command, Map.of(AdminToken.ENV, token.token()), workspace.root(), workspace.logFile(Supervisor.NAME));
        Processes.writePid(workspace.pidFile(Supervisor.NAME), process.pid());
        return process;
    }

    /** The CLI's own classes (cli.jar, or the classes folder in tests) and the libraries in cli/target/lib. */
    static String supervisorClasspath(Workspace workspace) {
        try {
            Path self = Path.of(Supervisor.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return self + File.pathSeparator + workspace.libDir().resolve("*");
        } catch (URISyntaxException | RuntimeException e) {
            throw new CliException("Cannot tell where the CLI's classes are: " + e, e);
        }
    }
}
