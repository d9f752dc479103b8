package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.ProgressBar;
import io.retrainstream.cli.StatusLine;
import io.retrainstream.cli.UsageException;
import io.retrainstream.common.kafka.TopicSetup;
import io.retrainstream.common.launch.ServiceLaunch;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelDownloader;
import io.retrainstream.common.model.ModelFiles;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./retrain up}: starts the {@link Supervisor}, which starts a local Kafka broker and the extractor, the trainer
 * and the classifier, each as a background process with its log in {@code .retrain/logs/}, and restarts them when
 * they stop; creates the topics and waits until everything answers.
 */
@Command(
        name = "up",
        header = "start Kafka and the three services in the background, kept running by a supervisor",
        synopsisHeading = "",
        customSynopsis = {
            "Usage: ./retrain up [--architecture A] [--model-dir DIR] [--kafka-port 9092] [--classifier-port 8080]",
            "                    [--extractor-port 8081] [--trainer-port 8082] [--no-continuous]",
            "                    [--quiet-period SECONDS] [--timeout SECONDS] [--listen ADDRESS]"
        },
        description = {
            "",
            "Starts a local Kafka broker (KRaft, data kept in .retrain/kafka) and the extractor, "
                    + "trainer and classifier services in the background, and waits until they answer. Logs go to "
                    + ".retrain/logs/. The broker listens on 127.0.0.1 only, and so do the services unless --listen says "
                    + "otherwise. A supervisor process keeps them running: it restarts any that exits or fails its "
                    + "liveness check 3 times in a row, waiting 1 s, 2 s, 4 s ... up to 30 s between restarts of the "
                    + "same one (.retrain/logs/supervisor.log; ./retrain status shows the restarts)."
        },
        optionListHeading = "%nOptions:%n",
        footer = {
            "",
            "Environment: RETRAIN_JAVA_OPTS adds JVM options to the services, after the defaults (e.g. "
                    + "-Xmx1g). The trainer's and the extractor's admin endpoints require a bearer token: the first up "
                    + "writes a random one to .retrain/admin-token (mode 600) and every ./retrain command sends it; "
                    + "RETRAIN_ADMIN_TOKEN, when set, is used instead (for up and for the other commands alike).",
            "Stop everything with ./retrain down."
        })
public final class UpCommand extends CliCommand {

    static final Duration BROKER_TIMEOUT = Duration.ofSeconds(90);
    static final int LOG_TAIL_LINES = 30;
    /** Extra JVM options for the services, split on spaces. */
    static final String JAVA_OPTS_ENV = "RETRAIN_JAVA_OPTS";

    @Option(
            names = "--architecture",
            paramLabel = "A",
            defaultValue = Architecture.DEFAULT,
            description = {
                "the pretrained model, as retrain.py --architecture names it",
                "(default ${DEFAULT-VALUE}; see ./retrain architectures)"
            })
    private String architecture;

    @Option(
            names = "--model-dir",
            paramLabel = "DIR",
            description = {
                "folder in retrain.py's download layout holding the model's graph, e.g. "
                        + "DIR/mobilenet_v1_0.25_128/frozen_graph.pb (default: the model cache)"
            })
    private String modelDir;

    @Option(
            names = "--kafka-port",
            paramLabel = "P",
            defaultValue = "9092",
            description = "Kafka's client port (default ${DEFAULT-VALUE}; its controller uses P+1)")
    private int kafkaPort;

    @Option(
            names = "--no-continuous",
            description = {
                "turn the trainer's continuous mode off (on by default: it "
                        + "retrains, warm-started from the served model, after every 50 new training images or 10 s with new "
                        + "data; TRAINER_CONTINUOUS_* to tune)"
            })
    private boolean noContinuous;

    @Option(
            names = "--quiet-period",
            paramLabel = "SECONDS",
            description = {
                "without continuous mode, the trainer " + "trains by itself once no bottleneck came for this long"
            })
    private Integer quietPeriod;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "120",
            description = "how long to wait for each service to start (default ${DEFAULT-VALUE})")
    private int timeout;

    @Option(
            names = "--saved-model",
            paramLabel = "DIR",
            description = {
                "use a SavedModel image feature-vector "
                        + "module (TF2 / TF Hub format) instead of --architecture: its serving signature's output is the "
                        + "bottleneck"
            })
    private String savedModel;

    @Option(
            names = "--listen",
            paramLabel = "ADDRESS",
            defaultValue = State.LOOPBACK,
            description = {
                "the address the services listen on (default ${DEFAULT-VALUE}: this machine only); "
                        + "0.0.0.0 for every interface. Then anyone who reaches the machine can classify and read; the "
                        + "admin token protects training, pins and cancels. Put a TLS proxy in front: the token travels "
                        + "in clear over plain HTTP. Kafka stays on 127.0.0.1 whatever this says."
            })
    private String listen;

    @Spec
    private CommandSpec spec;

    public UpCommand(Context context) {
        super(context);
    }

    /** {@code --classifier-port}, {@code --extractor-port}, {@code --trainer-port}: one per service. */
    @Override
    protected void customize(CommandSpec command) {
        for (Service service : Service.values()) {
            command.addOption(OptionSpec.builder(portOption(service))
                    .paramLabel("P")
                    .type(int.class)
                    .defaultValue(Integer.toString(service.defaultPort()))
                    .description("default ${DEFAULT-VALUE}")
                    .build());
        }
    }

    private static String portOption(Service service) {
        return "--" + service.id() + "-port";
    }

    @Override
    public Integer call() throws UsageException, InterruptedException {
        return up(context, options(context.workspace()));
    }

    /** The options as given, checked together. */
    Options options(Workspace workspace) throws UsageException {
        Map<Service, Integer> ports = new LinkedHashMap<>();
        for (Service service : Service.values()) {
            int port = spec.findOption(portOption(service)).getValue();
            ports.put(service, inRange(portOption(service), port, 1, 65535));
        }
        inRange("--kafka-port", kafkaPort, 1, 65534);
        Set<Integer> distinct = new HashSet<>(ports.values());
        distinct.add(kafkaPort);
        distinct.add(kafkaPort + 1);
        if (distinct.size() != ports.size() + 2) {
            throw new UsageException("The ports must all differ (Kafka uses --kafka-port and the port after it)");
        }
        Optional<Integer> quiet =
                quietPeriod == null ? Optional.empty() : Optional.of(inRange("--quiet-period", quietPeriod, 0, 86_400));
        return new Options(
                architecture,
                Optional.ofNullable(modelDir).map(workspace::userPath),
                kafkaPort,
                ports,
                quiet,
                Duration.ofSeconds(inRange("--timeout", timeout, 5, 3600)),
                Optional.ofNullable(savedModel).map(workspace::userPath),
                !noContinuous,
                Options.listenAddress(listen));
    }

    /**
     * @param quietPeriodSeconds the trainer's quiet period, when given
     * @param serviceTimeout     how long each service may take to start
     * @param continuous         whether the trainer retrains continuously
     * @param listen             the address the services listen on (the broker always listens on loopback)
     */
    public record Options(
            String architecture,
            Optional<Path> modelDir,
            int kafkaPort,
            Map<Service, Integer> ports,
            Optional<Integer> quietPeriodSeconds,
            Duration serviceTimeout,
            Optional<Path> savedModel,
            boolean continuous,
            String listen) {

        /** An IP address literal of this machine, or a wildcard (0.0.0.0, ::); never a host name to look up. */
        static String listenAddress(String value) throws UsageException {
            String address = value.strip();
            if (address.startsWith("[") && address.endsWith("]")) {
                address = address.substring(1, address.length() - 1);
            }
            boolean ipv4 = address.matches("\\d{1,3}(\\.\\d{1,3}){3}");
            boolean ipv6 = address.contains(":") && address.matches("[0-9A-Fa-f:.]+");
            if (!ipv4 && !ipv6) {
                throw new UsageException("--listen takes an IP address of this machine (e.g. 127.0.0.1, 0.0.0.0 "
                        + "for every interface, or one interface's address), not '" + value + "'");
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            } catch (IOException e) {
                throw new UsageException("--listen " + value + ": cannot listen on it here (" + e.getMessage()
                        + "); give an address of one of this machine's interfaces");
            }
            return address;
        }

        public static Options defaults(String architecture, Optional<Path> modelDir) {
            Map<Service, Integer> ports = new LinkedHashMap<>();
            for (Service service : Service.values()) {
                ports.put(service, service.defaultPort());
            }
            return new Options(
                    architecture,
                    modelDir,
                    9092,
                    ports,
                    Optional.empty(),
                    Duration.ofSeconds(120),
                    Optional.empty(),
                    true,
                    State.LOOPBACK);
        }
    }

    public static int up(Context context, Options options) throws InterruptedException {
        Workspace workspace = context.workspace();
        PrintStream err = context.err();
        Architecture architecture = architecture(options.architecture());
        refuseIfRunning(workspace);
        if (options.savedModel().isPresent()) {
            if (!Files.isRegularFile(options.savedModel().get().resolve("saved_model.pb"))) {
                throw new CliException("--saved-model " + options.savedModel().get()
                        + " is not a SavedModel folder (no saved_model.pb in it).");
            }
        } else {
            checkModel(context, architecture, options.modelDir());
        }
        checkBuilt(workspace);
        checkPorts(options);

        State state = new State(
                architecture.name(),
                options.modelDir().map(Path::toString).orElse(null),
                options.kafkaPort(),
                options.kafkaPort() + 1,
                options.ports().entrySet().stream()
                        .collect(Collectors.toMap(
                                e -> e.getKey().id(), Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new)),
                options.listen());
        createDirs(workspace);
        AdminToken.Found token = AdminToken.ensure(workspace);
        long start = System.nanoTime();
        long supervisorPid;
        try {
            state.save(workspace);
            Broker broker = prepareBroker(context, state);
            plan(workspace, options, architecture, state, broker).save(workspace);
            Process supervisor = startSupervisor(workspace, token);
            supervisorPid = supervisor.pid();
            awaitBroker(context, state, supervisor);
            awaitServices(context, options, state, supervisor);
        } catch (InterruptedException | RuntimeException e) {
            err.println("Stopping what was started...");
            DownCommand.stopAll(context, false);
            DownCommand.forget(workspace);
            throw e;
        }
        long seconds = Math.round((System.nanoTime() - start) / 1e9);
        PrintStream out = context.out();
        out.printf("retrain-stream is up (architecture %s, started in %d s):%n", architecture.name(), seconds);
        out.println("  classifier  " + state.url(Service.CLASSIFIER) + "/classify");
        out.println("  extractor   " + state.url(Service.EXTRACTOR));
        out.println("  trainer     " + state.url(Service.TRAINER));
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
        return 0;
    }

    public static Architecture architecture(String name) {
        try {
            return Architecture.of(name);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage() + ". See ./retrain architectures");
        }
    }

    /**
     * Fails when an explicit model dir lacks the graph (it is read-only: nothing is downloaded into it); without one,
     * a graph missing from the cache is downloaded into it first, with a progress bar.
     */
    public static void checkModel(Context context, Architecture architecture, Optional<Path> modelDir) {
        if (modelDir.isPresent() && !Files.isDirectory(modelDir.get())) {
            throw new CliException("Model dir " + modelDir.get() + " does not exist or is not a folder.");
        }
        try {
            ModelFiles.locateGraph(architecture, modelDir);
        } catch (ModelFiles.ModelNotFoundException e) {
            if (modelDir.isPresent()) {
                throw new CliException(e.getMessage());
            }
            download(context, architecture);
        }
    }

    /** Downloads the architecture's archive into the model cache with a progress bar on stderr. */
    static Path download(Context context, Architecture architecture) {
        context.err().println("Downloading " + architecture.downloadUrl() + " into " + ModelFiles.defaultCacheDir());
        StatusLine status = new StatusLine(context.err(), context.interactive());
        long start = System.nanoTime();
        try {
            Path graph = new ModelDownloader(
                            ModelFiles.defaultCacheDir(),
                            (bytes, total) -> status.update(
                                    ProgressBar.render(bytes, total, "bytes", ProgressBar.rate(bytes, start), "B/s")))
                    .obtain(architecture);
            status.done("Downloaded and checked " + graph);
            return graph;
        } catch (ModelDownloader.ModelDownloadException e) {
            status.clear();
            throw new CliException(e.getMessage());
        }
    }

    /** Refuses to start a second set of processes (judged by state.json and the pid files). */
    static void refuseIfRunning(Workspace workspace) {
        Map<String, Long> alive = new LinkedHashMap<>();
        State.load(workspace).ifPresent(state -> alive.putAll(state.alivePids()));
        alive.putAll(DownCommand.alivePidFiles(workspace));
        if (!alive.isEmpty()) {
            throw new CliException("retrain-stream is already running ("
                    + alive.entrySet().stream()
                            .map(e -> e.getKey() + " pid " + e.getValue())
                            .collect(Collectors.joining(", "))
                    + "). See ./retrain status, or stop it with ./retrain down.");
        }
    }

    private static void checkBuilt(Workspace workspace) {
        List<Path> missing = new ArrayList<>();
        if (!Files.isDirectory(workspace.libDir())) {
            missing.add(workspace.libDir());
        }
        for (Service service : Service.values()) {
            if (!Files.isRegularFile(workspace.serviceJar(service))) {
                missing.add(workspace.serviceJar(service));
            }
        }
        if (!missing.isEmpty()) {
            throw new CliException(
                    "Not built yet: " + missing.stream().map(workspace::display).collect(Collectors.joining(", "))
                            + ". Build with ./mvnw -B -DskipTests install "
                            + "(./retrain does it for you).");
        }
    }

    private static void checkPorts(Options options) {
        if (!Processes.isPortFree(options.kafkaPort())) {
            throw new CliException("Port " + options.kafkaPort() + " is in use: is another Kafka running? "
                    + "Pick another with --kafka-port.");
        }
        if (!Processes.isPortFree(options.kafkaPort() + 1)) {
            throw new CliException("Port " + (options.kafkaPort() + 1) + " (Kafka's controller, --kafka-port + 1) is "
                    + "in use. Pick another --kafka-port.");
        }
        for (Map.Entry<Service, Integer> entry : options.ports().entrySet()) {
            if (!Processes.isPortFree(entry.getValue())) {
                throw new CliException("Port " + entry.getValue() + " for the "
                        + entry.getKey().id() + " is in use. Pick another with --"
                        + entry.getKey().id() + "-port.");
            }
        }
    }

    private static void createDirs(Workspace workspace) {
        try {
            Files.createDirectories(workspace.logsDir());
            Files.createDirectories(workspace.pidsDir());
            Files.createDirectories(workspace.kafkaDir());
            // pid files of processes that are gone
            DownCommand.deletePidFiles(workspace);
        } catch (IOException e) {
            throw new CliException("Cannot create " + workspace.home() + ": " + e.getMessage(), e);
        }
    }

    /** Writes the broker's config and formats its storage the first time; the supervisor starts it. */
    private static Broker prepareBroker(Context context, State state) throws InterruptedException {
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

    /** What the supervisor runs: the broker, then the three services once the broker accepts connections. */
    static Supervisor.Plan plan(
            Workspace workspace, Options options, Architecture architecture, State state, Broker broker) {
        List<Supervisor.Child> children = new ArrayList<>();
        children.add(new Supervisor.Child(
                State.KAFKA,
                broker.command(),
                Map.of(),
                broker.workDir().toString(),
                workspace.logFile(State.KAFKA).toString(),
                null,
                state.kafkaPort(),
                BROKER_TIMEOUT.toSeconds(),
                false,
                false));
        for (Service service : Service.values()) {
            children.add(new Supervisor.Child(
                    service.id(),
                    serviceCommand(workspace, service),
                    serviceEnv(service, options, architecture, state),
                    workspace.root().toString(),
                    workspace.logFile(service.id()).toString(),
                    state.url(service) + service.livenessPath(),
                    0,
                    options.serviceTimeout().toSeconds(),
                    service.hasAdminEndpoints(),
                    true));
        }
        return new Supervisor.Plan(children);
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

    private static void awaitBroker(Context context, State state, Process supervisor) throws InterruptedException {
        Workspace workspace = context.workspace();
        StatusLine status = new StatusLine(context.err(), context.interactive());
        long start = System.nanoTime();
        while (true) {
            State now = State.load(workspace).orElse(state);
            failIfStopped(context, supervisor, now, State.KAFKA);
            if (now.pids().containsKey(State.KAFKA) && Broker.isReachable(state.bootstrap(), Duration.ofSeconds(2))) {
                break;
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
            if (elapsed > BROKER_TIMEOUT.toSeconds()) {
                status.clear();
                printTail(context, workspace.logFile(State.KAFKA));
                throw new CliException("Kafka did not answer at " + state.bootstrap() + " within "
                        + BROKER_TIMEOUT.toSeconds() + " s; see " + workspace.display(workspace.logFile(State.KAFKA)));
            }
            status.update(status.spin() + " Starting Kafka at " + state.bootstrap() + " (" + elapsed + " s)");
            Thread.sleep(500);
        }
        status.update(status.spin() + " Creating topics...");
        try {
            TopicSetup.ensureTopics(state.bootstrap());
        } catch (IllegalStateException e) {
            status.clear();
            throw new CliException(e.getMessage(), e);
        }
        status.done("Kafka is up at " + state.bootstrap() + " (pid " + pid(workspace, State.KAFKA) + ")");
    }

    private static void awaitServices(Context context, Options options, State state, Process supervisor)
            throws InterruptedException {
        Workspace workspace = context.workspace();
        ServiceHttp http = new ServiceHttp(workspace);
        StatusLine status = new StatusLine(context.err(), context.interactive());
        Map<Service, String> healthPaths = new LinkedHashMap<>();
        for (Service service : Service.values()) {
            healthPaths.put(service, service.startupHealthPath());
        }
        long started = System.nanoTime();
        Set<Service> waiting = new HashSet<>(healthPaths.keySet());
        while (!waiting.isEmpty()) {
            State now = State.load(workspace).orElse(state);
            for (Service service : Service.values()) {
                if (!waiting.contains(service)) {
                    continue;
                }
                failIfStopped(context, supervisor, now, service.id());
                String url = state.url(service) + healthPaths.get(service);
                Optional<Integer> code = now.pids().containsKey(service.id()) ? http.probe(url) : Optional.empty();
                if (code.isPresent()
                        && code.get() == 404
                        && service == Service.CLASSIFIER
                        && healthPaths.get(service).endsWith("/started")) {
                    healthPaths.put(service, service.livenessPath());
                    continue;
                }
                long elapsed = (System.nanoTime() - started) / 1_000_000_000L;
                if (code.isPresent() && code.get() == 200) {
                    waiting.remove(service);
                    status.done(String.format(
                            "The %-10s is up at %s (pid %d, %d s)",
                            service.id(), state.url(service), now.pids().get(service.id()), elapsed));
                } else if (elapsed > options.serviceTimeout().toSeconds()) {
                    status.clear();
                    Path log = workspace.logFile(service.id());
                    printTail(context, log);
                    throw new CliException("The " + service.id() + " did not become ready within "
                            + options.serviceTimeout().toSeconds() + " s (" + url + " answered "
                            + code.map(c -> "HTTP " + c).orElse("nothing") + "); see " + workspace.display(log));
                }
            }
            if (!waiting.isEmpty()) {
                long elapsed = (System.nanoTime() - started) / 1_000_000_000L;
                status.update(status.spin() + " Starting "
                        + Arrays.stream(Service.values())
                                .filter(waiting::contains)
                                .map(Service::id)
                                .collect(Collectors.joining(", "))
                        + " (" + elapsed + " s)");
                Thread.sleep(500);
            }
        }
    }

    /**
     * Fails {@code up} when the supervisor has stopped, or when {@code name} stopped during start-up (the supervisor
     * would restart it, but a process that cannot start is a configuration problem to report at once).
     */
    private static void failIfStopped(Context context, Process supervisor, State state, String name) {
        Workspace workspace = context.workspace();
        if (!supervisor.isAlive()) {
            Path log = workspace.logFile(Supervisor.NAME);
            printTail(context, log);
            throw new CliException(
                    "The supervisor stopped (exit " + supervisor.exitValue() + "); see " + workspace.display(log));
        }
        if (state.restartCount(name) > 0) {
            Path log = workspace.logFile(name);
            printTail(context, log);
            String what = name.equals(State.KAFKA) ? "Kafka" : "The " + name;
            throw new CliException(what + " stopped during start-up ("
                    + state.restarts().get(name).lastReason() + "); see " + workspace.display(log));
        }
    }

    private static String pid(Workspace workspace, String name) {
        return State.load(workspace)
                .map(s -> s.pids().get(name))
                .map(String::valueOf)
                .orElse("?");
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

    /** The service's environment; the supervisor adds the admin token for those with admin endpoints. */
    static Map<String, String> serviceEnv(Service service, Options options, Architecture architecture, State state) {
        Map<String, String> env = new LinkedHashMap<>(ServiceLaunch.environment());
        env.put("KAFKA_BOOTSTRAP_SERVERS", state.bootstrap());
        env.put("QUARKUS_HTTP_HOST", options.listen());
        env.put("QUARKUS_HTTP_PORT", Integer.toString(state.port(service)));
        env.put("RETRAIN_ARCHITECTURE", architecture.name());
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
        }
        return env;
    }

    static void printTail(Context context, Path log) {
        List<String> lines = Processes.tail(log, LOG_TAIL_LINES);
        context.err()
                .println("---- last " + lines.size() + " lines of "
                        + context.workspace().display(log) + " ----");
        lines.forEach(context.err()::println);
        context.err().println("----");
    }
}
