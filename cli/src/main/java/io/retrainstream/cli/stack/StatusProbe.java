package io.retrainstream.cli.stack;

import com.fasterxml.jackson.databind.JsonNode;
import io.retrainstream.cli.stack.StackStatus.Health;
import io.retrainstream.cli.stack.StackStatus.LastRun;
import io.retrainstream.cli.stack.StackStatus.ProcessStatus;
import io.retrainstream.cli.stack.StackStatus.Training;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds out how the stack {@code ./retrain up} started is doing: reads {@code state.json} and the pid files, checks
 * each pid (the broker, every service instance, the supervisor), asks the broker for a connection and each service for its readiness, and the trainer for its models and
 * runs.
 */
final class StatusProbe {

    static final String BROKER_ROLE = "broker";
    /** How long the broker may take to accept a connection before it counts as down. */
    static final Duration BROKER_TIMEOUT = Duration.ofSeconds(3);
    /** How long a service may take to answer a health check or the trainer a query. */
    static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

    private final Workspace workspace;
    private final ServiceHttp http;

    StatusProbe(Workspace workspace) {
        this.workspace = workspace;
        this.http = new ServiceHttp(workspace, HTTP_TIMEOUT);
    }

    /** Empty when nothing was started here (no {@code state.json}, no pid files). */
    Optional<StackStatus> probe() {
        Optional<State> loaded = State.load(workspace);
        Map<String, Long> pids = DownCommand.recordedPids(workspace);
        if (loaded.isEmpty() && pids.isEmpty()) {
            return Optional.empty();
        }
        State state = loaded.orElseGet(() -> new State(null, null, 9092, 9093, 1, Map.of(), null));
        List<ProcessStatus> processes = new ArrayList<>();
        for (int node = 1; node <= state.brokers(); node++) {
            processes.add(broker(state, node, pids.get(State.brokerName(node))));
        }
        for (Service service : Service.values()) {
            for (String instance : instances(state, pids, service)) {
                processes.add(service(state, service, instance, pids.get(instance)));
            }
        }
        processes.add(supervisor(pids.get(Supervisor.NAME)));
        boolean trainerUp =
                processes.stream().anyMatch(p -> p.role().equals(Service.TRAINER.id()) && p.health() == Health.UP);
        return Optional.of(StackStatus.of(
                state.architecture(),
                state.modelDir(),
                workspace.logsDir().toAbsolutePath().toString(),
                processes,
                trainerUp ? training(state.url(Service.TRAINER)) : null));
    }

    /** Broker {@code node}: up when it answers at its own address. */
    private ProcessStatus broker(State state, int node, Long pid) {
        boolean alive = pid != null && Processes.isAlive(pid, Broker.MAIN_CLASS);
        String address = state.brokerAddress(node);
        Health health =
                !alive ? Health.NOT_RUNNING : Broker.isReachable(address, BROKER_TIMEOUT) ? Health.UP : Health.DOWN;
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("client", state.brokerPort(node));
        ports.put("controller", state.brokerControllerPort(node));
        return process(
                State.brokerName(node),
                BROKER_ROLE,
                pid,
                alive,
                ports,
                address,
                health,
                health == Health.DOWN ? "no answer at " + address : null,
                state);
    }

    /** The service's instances that state.json records a port for or that have a pid recorded, first to last. */
    private static List<String> instances(State state, Map<String, Long> pids, Service service) {
        List<String> names = new ArrayList<>(state.instances(service));
        pids.keySet().stream()
                .filter(name ->
                        !names.contains(name) && Service.ofInstance(name).equals(Optional.of(service)))
                .forEach(names::add);
        names.sort(Comparator.comparingInt(Service::instanceNumber));
        return names;
    }

    private ProcessStatus service(State state, Service service, String instance, Long pid) {
        boolean alive = pid != null && Processes.isAlive(pid, service.commandMarker());
        Optional<Integer> port = state.ports().containsKey(instance) || instance.equals(service.id())
                ? Optional.of(state.port(instance))
                : Optional.empty();
        String url = port.map(p -> state.url(instance)).orElse(null);
        Health health = Health.NOT_RUNNING;
        String detail = null;
        if (alive && url == null) {
            health = Health.DOWN;
            detail = "no port recorded in state.json";
        } else if (alive) {
            Optional<Integer> ready = http.probe(url + "/q/health/ready");
            if (ready.isPresent() && ready.get() == 200) {
                health = Health.UP;
            } else if (service == Service.CLASSIFIER
                    && http.probe(url + "/q/health/started")
                            .filter(code -> code == 200)
                            .isPresent()) {
                health = Health.STARTED;
                detail = "no model yet";
            } else {
                health = Health.DOWN;
                detail = ready.map(code -> "HTTP " + code).orElse("no answer");
            }
        }
        return process(
                instance,
                service.id(),
                pid,
                alive,
                port.map(p -> Map.of("http", p)).orElse(Map.of()),
                url,
                health,
                detail,
                state);
    }

    private static ProcessStatus supervisor(Long pid) {
        boolean alive = pid != null && Processes.isAlive(pid, Supervisor.MAIN_CLASS);
        return new ProcessStatus(
                Supervisor.NAME,
                Supervisor.NAME,
                pid,
                alive,
                Map.of(),
                null,
                alive ? Health.UP : Health.NOT_RUNNING,
                null,
                0,
                null,
                null);
    }

    private static ProcessStatus process(
            String name,
            String role,
            Long pid,
            boolean alive,
            Map<String, Integer> ports,
            String url,
            Health health,
            String detail,
            State state) {
        State.Restarts restarts = state.restarts().get(name);
        return new ProcessStatus(
                name,
                role,
                pid,
                alive,
                ports,
                url,
                health,
                detail,
                state.restartCount(name),
                restarts == null ? null : restarts.lastReason(),
                restarts == null ? null : restarts.lastAt());
    }

    /** The served version and the newest run, from the trainer's {@code /models} and {@code /runs}. */
    private Training training(String trainer) {
        ServiceHttp.Reply models = http.get(ServiceHttp.join(trainer, "/models"));
        Long serving = null;
        boolean pinned = false;
        if (models.ok() && models.json().hasNonNull("serving")) {
            serving = models.json().get("serving").asLong();
            pinned = models.json().hasNonNull("pinned");
        }
        LastRun lastRun = null;
        ServiceHttp.Reply runs = http.get(ServiceHttp.join(trainer, "/runs"));
        if (runs.ok() && runs.json().isArray() && !runs.json().isEmpty()) {
            JsonNode last = runs.json().get(runs.json().size() - 1);
            lastRun = new LastRun(
                    last.path("runId").asLong(),
                    last.path("trigger").asText(),
                    last.path("status").asText(),
                    last.hasNonNull("message") ? last.get("message").asText() : null);
        }
        return new Training(serving, pinned, lastRun);
    }
}
