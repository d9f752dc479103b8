package io.retrainstream.cli.stack;

import io.retrainstream.common.launch.ServiceLaunch;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.View;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processes of a stack as the {@link Supervisor} runs them: the broker, then the instances of the three services
 * (several extractors and classifiers with {@code --extractors}, {@code --classifiers}), each with its command line,
 * environment, port, log and liveness check.
 */
final class StackPlan {

    /** How long the broker may take to accept connections after a start. */
    static final Duration BROKER_TIMEOUT = Duration.ofSeconds(90);
    /** Extra JVM options for the services, split on spaces. */
    static final String JAVA_OPTS_ENV = "RETRAIN_JAVA_OPTS";

    private StackPlan() {}

    /**
     * What the supervisor runs: the brokers, then the three services once every broker accepts connections.
     *
     * @param brokers the nodes of the Kafka cluster, first to last
     */
    static Supervisor.Plan of(
            Workspace workspace,
            UpCommand.Options options,
            Architecture architecture,
            State state,
            List<Broker> brokers) {
        List<Supervisor.Child> children = new ArrayList<>();
        for (Broker broker : brokers) {
            String name = State.brokerName(broker.nodeId());
            children.add(new Supervisor.Child(
                    name,
                    broker.command(),
                    Map.of(),
                    broker.workDir().toString(),
                    workspace.logFile(name).toString(),
                    null,
                    state.brokerPort(broker.nodeId()),
                    BROKER_TIMEOUT.toSeconds(),
                    false,
                    false));
        }
        for (Service service : Service.values()) {
            for (String instance : state.instances(service)) {
                children.add(new Supervisor.Child(
                        instance,
                        serviceCommand(workspace, service),
                        serviceEnv(service, instance, options, architecture, state),
                        workspace.root().toString(),
                        workspace.logFile(instance).toString(),
                        state.url(instance) + service.livenessPath(),
                        0,
                        options.serviceTimeout().toSeconds(),
                        service.hasAdminEndpoints(),
                        true));
            }
        }
        return new Supervisor.Plan(children);
    }

    /**
     * The HTTP port of every service instance, by name: each service's first instance on the port the options give,
     * the others on free ports distinct from all of those and from the brokers' ({@link UpCommand.Options#kafkaPorts}).
     */
    static Map<String, Integer> instancePorts(UpCommand.Options options) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        Set<Integer> taken = new HashSet<>(options.ports().values());
        taken.addAll(options.kafkaPorts());
        for (Service service : Service.values()) {
            ports.put(service.instanceName(1), options.ports().get(service));
            for (int number = 2; number <= options.count(service); number++) {
                int port = Processes.freePort();
                while (!taken.add(port)) {
                    port = Processes.freePort();
                }
                ports.put(service.instanceName(number), port);
            }
        }
        return ports;
    }

    static List<String> serviceCommand(Workspace workspace, Service service) {
        List<String> command = new ArrayList<>();
        command.add(Processes.javaBinary());
        Path javacpp = Path.of(System.getProperty("user.home"), ".cache", "retrain-stream", "javacpp");
        command.add("-Dorg.bytedeco.javacpp.cachedir=" + javacpp);
        command.add("-Dorg.bytedeco.javacpp.cachedir.nosubdir=true");
        command.addAll(ServiceLaunch.jvmOptions(service.module()));
        // After ours, so that the user's options win (the JVM takes the last of a repeated option).
        String extra = System.getenv(JAVA_OPTS_ENV);
        if (extra != null && !extra.isBlank()) {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        command.add("-jar");
        command.add(workspace.serviceJar(service).toString());
        return command;
    }

    /**
     * The environment of the service instance {@code instance}; the supervisor adds the admin token for those with
     * admin endpoints. Every extractor has the same consumer group (the service's own configuration), so that they
     * share the images topic's partitions; the trainer asks the first extractor for distorted bottlenecks. The web
     * console, served by the trainer, calls the first classifier from the browser, which lets the trainer's origin in.
     */
    static Map<String, String> serviceEnv(
            Service service, String instance, UpCommand.Options options, Architecture architecture, State state) {
        Map<String, String> env = new LinkedHashMap<>(ServiceLaunch.environment());
        env.put("KAFKA_BOOTSTRAP_SERVERS", state.bootstrap());
        env.put("QUARKUS_HTTP_HOST", options.listen());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(state.port(instance)));
        env.put("RETRAIN_ARCHITECTURE", architecture.name());
        env.put("RETRAIN_VIEWS", String.join(",", View.ids(options.views())));
        options.modelDir()
                .ifPresent(
                        dir -> env.put("RETRAIN_MODEL_DIR", dir.toAbsolutePath().toString()));
        options.savedModel()
                .ifPresent(dir ->
                        env.put("RETRAIN_SAVED_MODEL", dir.toAbsolutePath().toString()));
        if (service == Service.TRAINER) {
            options.quietPeriodSeconds().ifPresent(seconds -> env.put("TRAINER_QUIET_PERIOD", seconds + "s"));
            env.put("TRAINER_CONTINUOUS_ENABLED", Boolean.toString(options.continuous()));
            env.put("TRAINER_EXTRACTOR_URL", state.url(Service.EXTRACTOR));
            // the web console's page (served by the trainer) classifies on the first classifier, from the browser
            env.put("RETRAIN_CONSOLE_CLASSIFIER_URL", state.url(Service.CLASSIFIER));
        }
        if (service == Service.CLASSIFIER) {
            // the console's page, loaded from the trainer, may call the classifier's (open) endpoints
            int trainerPort = state.port(Service.TRAINER);
            Set<String> origins = new LinkedHashSet<>(List.of(
                    state.url(Service.TRAINER), "http://localhost:" + trainerPort, "http://127.0.0.1:" + trainerPort));
            env.put("QUARKUS_HTTP_CORS_ORIGINS", String.join(",", origins));
        }
        return env;
    }
}
