package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.common.kafka.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How {@code ./retrain up} waits for what the supervisor starts: the broker (then it creates the topics), then every
 * service instance, with a spinner on stderr; it fails at once, with the tail of the log, when the supervisor or a process
 * stops during start-up, and when one takes longer than allowed.
 */
final class Readiness {

    static final int LOG_TAIL_LINES = 30;

    private final Context context;
    private final Workspace workspace;
    private final Process supervisor;

    /** @param supervisor the supervisor {@code up} started, which starts and records the processes */
    Readiness(Context context, Process supervisor) {
        this.context = context;
        this.workspace = context.workspace();
        this.supervisor = supervisor;
    }

    /** Waits until every broker has joined the cluster, then creates the topics. */
    void awaitBroker(State state) throws InterruptedException {
        StatusLine status = new StatusLine(context.err(), context.interactive());
        long start = System.nanoTime();
        int joined = 0;
        while (true) {
            State now = State.load(workspace).orElse(state);
            for (String broker : state.brokerNames()) {
                failIfStopped(now, broker);
            }
            if (now.pids().keySet().containsAll(state.brokerNames())) {
                joined = Broker.clusterSize(state.bootstrap(), Duration.ofSeconds(2));
                if (joined >= state.brokers()) {
                    break;
                }
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
            if (elapsed > StackPlan.BROKER_TIMEOUT.toSeconds()) {
                status.clear();
                for (String broker : state.brokerNames()) {
                    printTail(context, workspace.logFile(broker));
                }
                throw new CliException("Kafka did not answer at " + state.bootstrap() + " with all "
                        + state.brokers() + " brokers (" + joined + " joined) within "
                        + StackPlan.BROKER_TIMEOUT.toSeconds() + " s; see "
                        + workspace.display(workspace.logFile(State.KAFKA))
                        + (state.brokers() > 1 ? " and the other brokers' logs beside it" : ""));
            }
            status.update(status.spin() + " Starting Kafka at " + state.bootstrap()
                    + (state.brokers() > 1 ? " (" + joined + " of " + state.brokers() + " brokers joined, " : " (")
                    + elapsed + " s)");
            Thread.sleep(500);
        }
        status.update(status.spin() + " Creating topics...");
        try {
            TopicSetup.ensureTopics(state.bootstrap());
        } catch (IllegalStateException e) {
            status.clear();
            throw new CliException(e.getMessage(), e);
        }
        status.done("Kafka is up at " + state.bootstrap() + " ("
                + (state.brokers() == 1 ? "pid " + pid(State.KAFKA) : state.brokers() + " brokers, pids " + pids(state))
                + ")");
    }

    /**
     * Waits until every service instance answers its start-up health check ({@link Service#startupHealthPath()}; a
     * classifier without a {@code started} check counts once live).
     */
    void awaitServices(State state, Duration timeout) throws InterruptedException {
        ServiceHttp http = new ServiceHttp(workspace);
        StatusLine status = new StatusLine(context.err(), context.interactive());
        Map<String, Service> instances = new LinkedHashMap<>();
        Map<String, String> healthPaths = new LinkedHashMap<>();
        for (Service service : Service.values()) {
            for (String instance : state.instances(service)) {
                instances.put(instance, service);
                healthPaths.put(instance, service.startupHealthPath());
            }
        }
        long started = System.nanoTime();
        Set<String> waiting = new LinkedHashSet<>(instances.keySet());
        while (!waiting.isEmpty()) {
            State now = State.load(workspace).orElse(state);
            for (Map.Entry<String, Service> entry : instances.entrySet()) {
                String instance = entry.getKey();
                Service service = entry.getValue();
                if (!waiting.contains(instance)) {
                    continue;
                }
                failIfStopped(now, instance);
                String url = state.url(instance) + healthPaths.get(instance);
                Optional<Integer> code = now.pids().containsKey(instance) ? http.probe(url) : Optional.empty();
                if (code.isPresent()
                        && code.get() == 404
                        && service == Service.CLASSIFIER
                        && healthPaths.get(instance).endsWith("/started")) {
                    healthPaths.put(instance, service.livenessPath());
                    continue;
                }
                long elapsed = (System.nanoTime() - started) / 1_000_000_000L;
                if (code.isPresent() && code.get() == 200) {
                    waiting.remove(instance);
                    status.done(String.format(
                            "The %-10s is up at %s (pid %d, %d s)",
                            instance, state.url(instance), now.pids().get(instance), elapsed));
                } else if (elapsed > timeout.toSeconds()) {
                    status.clear();
                    Path log = workspace.logFile(instance);
                    printTail(context, log);
                    throw new CliException("The " + instance + " did not become ready within "
                            + timeout.toSeconds() + " s (" + url + " answered "
                            + code.map(c -> "HTTP " + c).orElse("nothing") + "); see " + workspace.display(log));
                }
            }
            if (!waiting.isEmpty()) {
                long elapsed = (System.nanoTime() - started) / 1_000_000_000L;
                status.update(status.spin() + " Starting " + String.join(", ", waiting) + " (" + elapsed + " s)");
                Thread.sleep(500);
            }
        }
    }

    /**
     * Fails {@code up} when the supervisor has stopped, or when {@code name} stopped during start-up (the supervisor
     * would restart it, but a process that cannot start is a configuration problem to report at once).
     */
    private void failIfStopped(State state, String name) {
        if (!supervisor.isAlive()) {
            Path log = workspace.logFile(Supervisor.NAME);
            printTail(context, log);
            throw new CliException(
                    "The supervisor stopped (exit " + supervisor.exitValue() + "); see " + workspace.display(log));
        }
        if (state.restartCount(name) > 0) {
            Path log = workspace.logFile(name);
            printTail(context, log);
            String what = name.equals(State.KAFKA) && state.brokers() == 1 ? "Kafka" : "The " + name;
            throw new CliException(what + " stopped during start-up ("
                    + state.restarts().get(name).lastReason() + "); see " + workspace.display(log));
        }
    }

    private String pids(State state) {
        return String.join(", ", state.brokerNames().stream().map(this::pid).toList());
    }

    private String pid(String name) {
        return State.load(workspace)
                .map(s -> s.pids().get(name))
                .map(String::valueOf)
                .orElse("?");
    }

    /** The last {@value #LOG_TAIL_LINES} lines of a log, on stderr. */
    static void printTail(Context context, Path log) {
        List<String> lines = Processes.tail(log, LOG_TAIL_LINES);
        context.err()
                .println("---- last " + lines.size() + " lines of "
                        + context.workspace().display(log) + " ----");
        lines.forEach(context.err()::println);
        context.err().println("----");
    }
}
