package io.retrainstream.cli.stack;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.retrainstream.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code .retrain/state.json}: what {@code ./retrain up} started, so that the other commands find the ports and
 * {@code down} finds the processes.
 *
 * @param architecture the architecture the services run with
 * @param modelDir     the absolute {@code --model-dir}, or null
 * @param kafkaPort    the first broker's client port (broker N listens on {@code kafkaPort + 2 (N - 1)})
 * @param controllerPort the first broker's controller port (broker N's: {@code controllerPort + 2 (N - 1)})
 * @param brokers      how many brokers form the Kafka cluster ({@code --brokers}; 1 when absent)
 * @param ports        HTTP port of each service instance, by name ({@link Service#instanceName(int)})
 * @param pids         process id of {@code kafka}, of each service instance and of the supervisor, by name
 * @param listen       the address the services listen on ({@code --listen}; 127.0.0.1 when absent)
 * @param restarts     what the {@link Supervisor} restarted, by name
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record State(
        String architecture,
        String modelDir,
        int kafkaPort,
        int controllerPort,
        int brokers,
        Map<String, Integer> ports,
        Map<String, Long> pids,
        String listen,
        Map<String, Restarts> restarts) {

    /**
     * How often the supervisor restarted a process, and why it did so last.
     *
     * @param count      restarts so far (each after the process exited or failed its liveness check)
     * @param lastReason e.g. {@code exit 137 (SIGKILL)}, {@code liveness check failed 3 times in a row (...)}
     * @param lastAt     when the process stopped last, ISO-8601
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Restarts(int count, String lastReason, String lastAt) {}

    public static final String KAFKA = "kafka";
    /** The loopback address the broker always listens on, and the services unless {@code --listen}. */
    static final String LOOPBACK = "127.0.0.1";

    @JsonCreator
    public State {
        brokers = Math.max(1, brokers);
        ports = ports == null ? new LinkedHashMap<>() : new LinkedHashMap<>(ports);
        pids = pids == null ? new LinkedHashMap<>() : new LinkedHashMap<>(pids);
        listen = listen == null || listen.isBlank() ? LOOPBACK : listen;
        restarts = restarts == null ? new LinkedHashMap<>() : new LinkedHashMap<>(restarts);
    }

    /** A state before anything started: no pids, no restarts. */
    State(
            String architecture,
            String modelDir,
            int kafkaPort,
            int controllerPort,
            int brokers,
            Map<String, Integer> ports,
            String listen) {
        this(architecture, modelDir, kafkaPort, controllerPort, brokers, ports, Map.of(), listen, Map.of());
    }

    public static Optional<State> load(Workspace workspace) {
        Path file = workspace.stateFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ServiceHttp.JSON.readValue(file.toFile(), State.class));
        } catch (IOException e) {
            throw new CliException(workspace.display(file) + " is unreadable (" + e.getMessage()
                    + "). Stop what runs with ./retrain down, or delete the file.");
        }
    }

    void save(Workspace workspace) {
        Path file = workspace.stateFile();
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ServiceHttp.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    State withPid(String name, long pid) {
        Map<String, Long> updated = new LinkedHashMap<>(pids);
        updated.put(name, pid);
        return new State(architecture, modelDir, kafkaPort, controllerPort, brokers, ports, updated, listen, restarts);
    }

    /** One more restart of {@code name}, for {@code reason}. */
    State withRestart(String name, String reason, String at) {
        Map<String, Restarts> updated = new LinkedHashMap<>(restarts);
        updated.put(
                name,
                new Restarts(restarts.containsKey(name) ? restarts.get(name).count() + 1 : 1, reason, at));
        return new State(architecture, modelDir, kafkaPort, controllerPort, brokers, ports, pids, listen, updated);
    }

    /** How often {@code name} was restarted so far. */
    int restartCount(String name) {
        return restarts.containsKey(name) ? restarts.get(name).count() : 0;
    }

    /** The HTTP port of the service's first instance. */
    int port(Service service) {
        return port(service.id());
    }

    /** The HTTP port of the service instance {@code name}; a first instance not recorded has its default port. */
    int port(String name) {
        Integer port = ports.get(name);
        if (port != null) {
            return port;
        }
        return Service.ofInstance(name)
                .filter(service -> service.id().equals(name))
                .map(Service::defaultPort)
                .orElseThrow(() -> new CliException("No port recorded for " + name + " in state.json. Stop what "
                        + "runs with ./retrain down, then start again with ./retrain up."));
    }

    /** The names of the service's instances, first to last: those with a port recorded, at least the first. */
    List<String> instances(Service service) {
        List<String> names = new ArrayList<>(ports.keySet().stream()
                .filter(name -> Service.ofInstance(name).equals(Optional.of(service)))
                .toList());
        if (!names.contains(service.id())) {
            names.add(service.id());
        }
        names.sort(Comparator.comparingInt(Service::instanceNumber));
        return names;
    }

    /** The name of broker {@code node} (numbered from 1): {@code kafka}, {@code kafka-2}, {@code kafka-3}. */
    static String brokerName(int node) {
        if (node < 1) {
            throw new IllegalArgumentException("Brokers are numbered from 1, not " + node);
        }
        return node == 1 ? KAFKA : KAFKA + "-" + node;
    }

    /** Whether {@code name} is one of the brokers' names. */
    static boolean isBroker(String name) {
        return name.equals(KAFKA) || name.matches(KAFKA + "-[1-9][0-9]*");
    }

    /** The names of the brokers, first to last. */
    List<String> brokerNames() {
        List<String> names = new ArrayList<>();
        for (int node = 1; node <= brokers; node++) {
            names.add(brokerName(node));
        }
        return names;
    }

    /** Broker {@code node}'s client port: two ports per broker from {@code kafkaPort}. */
    int brokerPort(int node) {
        return kafkaPort + 2 * (node - 1);
    }

    /** Broker {@code node}'s controller port. */
    int brokerControllerPort(int node) {
        return controllerPort + 2 * (node - 1);
    }

    /** Broker {@code node}'s address for clients. */
    String brokerAddress(int node) {
        return LOOPBACK + ":" + brokerPort(node);
    }

    /** Every broker's address, comma-separated, as {@code bootstrap.servers} takes them. */
    public String bootstrap() {
        List<String> addresses = new ArrayList<>();
        for (int node = 1; node <= brokers; node++) {
            addresses.add(brokerAddress(node));
        }
        return String.join(",", addresses);
    }

    /** The static KRaft quorum: every broker is also a controller, {@code 1@127.0.0.1:P,2@127.0.0.1:P2,...}. */
    String quorumVoters() {
        List<String> voters = new ArrayList<>();
        for (int node = 1; node <= brokers; node++) {
            voters.add(node + "@" + LOOPBACK + ":" + brokerControllerPort(node));
        }
        return String.join(",", voters);
    }

    /** The base URL of the service's first instance. */
    public String url(Service service) {
        return url(service.id());
    }

    /** The base URL of the service instance {@code name}. */
    String url(String name) {
        return "http://" + clientHost(listen) + ":" + port(name);
    }

    /** The host a client on this machine reaches a service at that listens on {@code listen}. */
    static String clientHost(String listen) {
        if (listen.equals("0.0.0.0")) {
            return LOOPBACK;
        }
        if (listen.equals("::") || listen.equals("[::]")) {
            return "localhost";
        }
        return listen.contains(":") && !listen.startsWith("[") ? "[" + listen + "]" : listen;
    }

    /** The recorded processes that still run (and are still ours, judged by their command line), by name. */
    public Map<String, Long> alivePids() {
        Map<String, Long> alive = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            if (Processes.isAlive(pid, marker(name))) {
                alive.put(name, pid);
            }
        });
        return alive;
    }

    /** Part of the command line of the process recorded under {@code name}. */
    static String marker(String name) {
        return Service.ofInstance(name)
                .map(Service::commandMarker)
                .orElse(name.equals(Supervisor.NAME) ? Supervisor.MAIN_CLASS : Broker.MAIN_CLASS);
    }

    /** The broker's address: from {@code state.json} when {@code ./retrain up} wrote one, else 127.0.0.1:9092. */
    public static String defaultBootstrap(Workspace workspace) {
        return load(workspace).map(State::bootstrap).orElse(LOOPBACK + ":9092");
    }

    /** A service's base URL: its port from {@code state.json} when present, else its default port. */
    public static String defaultUrl(Workspace workspace, Service service) {
        return load(workspace).map(s -> s.url(service)).orElse("http://" + LOOPBACK + ":" + service.defaultPort());
    }
}
