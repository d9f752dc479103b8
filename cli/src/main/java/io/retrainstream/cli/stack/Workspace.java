package io.retrainstream.cli.stack;

import java.nio.file.Path;

/**
 * Where things are: the repository root (the {@code ./retrain} script runs the CLI from there), its {@code .retrain/}
 * folder of run-time state, and the folder the user called {@code ./retrain} from, against which relative paths given
 * on the command line are resolved.
 */
public record Workspace(Path root, Path callerDir) {

    /** Set by the {@code ./retrain} script to the folder it was called from before it changes to the repo root. */
    static final String CALLER_DIR_ENV = "RETRAIN_CALLER_DIR";

    public Workspace {
        root = root.toAbsolutePath().normalize();
        callerDir = callerDir.toAbsolutePath().normalize();
    }

    public static Workspace fromEnvironment() {
        Path root = Path.of(System.getProperty("retrain.root", ""));
        String caller = System.getenv(CALLER_DIR_ENV);
        return new Workspace(root, caller != null && !caller.isBlank() ? Path.of(caller) : root);
    }

    /** A path given on the command line, made absolute against the caller's folder. */
    public Path userPath(String arg) {
        String expanded = arg.startsWith("~/") ? System.getProperty("user.home") + arg.substring(1) : arg;
        return callerDir.resolve(expanded).normalize();
    }

    Path home() {
        return root.resolve(".retrain");
    }

    /** Kafka's data: the first broker's config and data, and every other broker's folder below it. */
    Path kafkaDir() {
        return home().resolve("kafka");
    }

    /** Broker {@code node}'s config and data: {@code .retrain/kafka} for the first, {@code .retrain/kafka/node-N}. */
    Path kafkaDir(int node) {
        return node == 1 ? kafkaDir() : kafkaDir().resolve("node-" + node);
    }

    /** How many brokers the Kafka data was formatted for (absent: one, as before {@code --brokers}). */
    Path kafkaBrokersFile() {
        return kafkaDir().resolve("brokers");
    }

    Path logsDir() {
        return home().resolve("logs");
    }

    public Path logFile(String name) {
        return logsDir().resolve(name + ".log");
    }

    Path pidsDir() {
        return home().resolve("pids");
    }

    Path pidFile(String name) {
        return pidsDir().resolve(name + ".pid");
    }

    public Path stateFile() {
        return home().resolve("state.json");
    }

    /** What the supervisor starts and watches, written by {@code up} for it. */
    Path supervisorPlanFile() {
        return home().resolve("supervisor.json");
    }

    /** The admin token {@code up} generates once (mode 0600) and every command sends. */
    Path adminTokenFile() {
        return home().resolve("admin-token");
    }

    /** The CLI's runtime classpath folder, which also holds the Kafka broker's jars. */
    Path libDir() {
        return root.resolve("cli").resolve("target").resolve("lib");
    }

    Path serviceJar(Service service) {
        return root.resolve(service.module())
                .resolve("target")
                .resolve("quarkus-app")
                .resolve("quarkus-run.jar");
    }

    /** Shortens a path below the root for display, e.g. {@code .retrain/logs/kafka.log}. */
    String display(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        return abs.startsWith(root) ? root.relativize(abs).toString() : abs.toString();
    }
}
