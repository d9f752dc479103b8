package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliCommand;
import io.retrainstream.cli.CliException;
import io.retrainstream.cli.Context;
import io.retrainstream.cli.UsageException;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.View;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
            "                    [--quiet-period SECONDS] [--timeout SECONDS] [--listen ADDRESS]",
            "                    [--brokers N] [--extractors N] [--classifiers N] [--views original|original,mirror]"
        },
        description = {
            "",
            "Starts a local Kafka broker (KRaft, data kept in .retrain/kafka; with --brokers 3 a cluster of three) "
                    + "and the extractor, "
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

    /** The views a stack uses unless {@code --views} says otherwise. */
    static final String DEFAULT_VIEWS = "original";

    /** At most this many extractors or classifiers: each is a JVM of its own. */
    static final int MAX_INSTANCES = 16;
    /** At most this many brokers, each a voter of the controller quorum (an odd number keeps a majority). */
    static final int MAX_BROKERS = 5;

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
            names = "--views",
            paramLabel = "V",
            defaultValue = DEFAULT_VIEWS,
            description = {
                "the views of each photo the models learn from and answer on (default ${DEFAULT-VALUE}): original,mirror"
                        + " also uses the photo mirrored left to right, about 1.3 points more accurate (cross-validated)"
                        + " for a second CNN image per photo in extraction and in every classification"
            })
    private String views;

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
                        + "retrains, warm-started from the served model, once new data has waited 250 ms or at once after 50"
                        + " new training images, yielding to the extractor during a burst; TRAINER_CONTINUOUS_* to tune)"
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

    @Option(
            names = "--brokers",
            paramLabel = "N",
            defaultValue = "1",
            description = {
                "how many Kafka brokers to run (default ${DEFAULT-VALUE}; 3 for a cluster that loses no record and "
                        + "keeps going when one broker dies), each its own process, broker and controller, on two "
                        + "ports from --kafka-port up (broker N on --kafka-port + 2(N-1), its controller on the next); "
                        + "the topics get 3 copies and min.insync.replicas 2 on three brokers. Kafka's data is "
                        + "formatted for this number: change it only after ./retrain down --purge"
            })
    private int brokers;

    @Option(
            names = "--extractors",
            paramLabel = "N",
            defaultValue = "1",
            description = {
                "how many extractors to run (default ${DEFAULT-VALUE}), one consumer group sharing the images "
                        + "topic's partitions; the first on --extractor-port, the others on free ports (./retrain "
                        + "status lists them)"
            })
    private int extractors;

    @Option(
            names = "--classifiers",
            paramLabel = "N",
            defaultValue = "1",
            description = {
                "how many classifiers to run (default ${DEFAULT-VALUE}), each following the published models and "
                        + "serving; the first on --classifier-port, the others on free ports (./retrain status lists them)"
            })
    private int classifiers;

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

    static List<Integer> kafkaPorts(int first, int brokers) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 2 * brokers; i++) {
            ports.add(first + i);
        }
        return ports;
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
        inRange("--brokers", brokers, 1, MAX_BROKERS);
        if (brokers % 2 == 0) {
            throw new UsageException("--brokers " + brokers + " would make a controller quorum that stops when half "
                    + "of it is lost, no safer than " + (brokers - 1) + ": use an odd number (1, 3 or 5)");
        }
        inRange("--kafka-port", kafkaPort, 1, 65536 - 2 * brokers);
        Set<Integer> distinct = new HashSet<>(ports.values());
        distinct.addAll(kafkaPorts(kafkaPort, brokers));
        if (distinct.size() != ports.size() + 2 * brokers) {
            throw new UsageException("The ports must all differ (Kafka uses --kafka-port and the " + (2 * brokers - 1)
                    + (brokers == 1 ? " port" : " ports") + " after it)");
        }
        Map<Service, Integer> instances = new EnumMap<>(Service.class);
        instances.put(Service.EXTRACTOR, inRange("--extractors", extractors, 1, MAX_INSTANCES));
        instances.put(Service.TRAINER, 1);
        instances.put(Service.CLASSIFIER, inRange("--classifiers", classifiers, 1, MAX_INSTANCES));
        Optional<Integer> quiet =
                quietPeriod == null ? Optional.empty() : Optional.of(inRange("--quiet-period", quietPeriod, 0, 86_400));
        return new Options(
                architecture,
                Optional.ofNullable(modelDir).map(workspace::userPath),
                kafkaPort,
                brokers,
                ports,
                instances,
                quiet,
                Duration.ofSeconds(inRange("--timeout", timeout, 5, 3600)),
                Optional.ofNullable(savedModel).map(workspace::userPath),
                !noContinuous,
                ListenAddress.check(listen),
                views(views));
    }

    /** The views of {@code --views}, or a usage error that says what to write. */
    static List<View> views(String ids) throws UsageException {
        try {
            return View.parse(ids);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--views: " + e.getMessage());
        }
    }

    /**
     * @param kafkaPort          the first broker's client port
     * @param brokers            how many brokers form the Kafka cluster
     * @param ports              the HTTP port of each service's first instance
     * @param instances          how many instances of each service to run (one trainer)
     * @param quietPeriodSeconds the trainer's quiet period, when given
     * @param serviceTimeout     how long each service may take to start
     * @param continuous         whether the trainer retrains continuously
     * @param listen             the address the services listen on (the broker always listens on loopback)
     * @param views              the views of each photo every service uses ({@code RETRAIN_VIEWS})
     */
    public record Options(
            String architecture,
            Optional<Path> modelDir,
            int kafkaPort,
            int brokers,
            Map<Service, Integer> ports,
            Map<Service, Integer> instances,
            Optional<Integer> quietPeriodSeconds,
            Duration serviceTimeout,
            Optional<Path> savedModel,
            boolean continuous,
            String listen,
            List<View> views) {

        /** How many instances of {@code service} to run. */
        int count(Service service) {
            return instances.getOrDefault(service, 1);
        }

        /** The brokers' ports: each broker's client port, then its controller's, from {@link #kafkaPort} up. */
        List<Integer> kafkaPorts() {
            return UpCommand.kafkaPorts(kafkaPort, brokers);
        }

        public static Options defaults(String architecture, Optional<Path> modelDir) {
            Map<Service, Integer> ports = new LinkedHashMap<>();
            Map<Service, Integer> instances = new EnumMap<>(Service.class);
            for (Service service : Service.values()) {
                ports.put(service, service.defaultPort());
                instances.put(service, 1);
            }
            return new Options(
                    architecture,
                    modelDir,
                    9092,
                    1,
                    ports,
                    instances,
                    Optional.empty(),
                    Duration.ofSeconds(120),
                    Optional.empty(),
                    true,
                    State.LOOPBACK,
                    View.parse(DEFAULT_VIEWS));
        }
    }

    /** Starts the stack with these options (also {@code ./retrain demo}'s first step); see {@link StackLauncher}. */
    public static int up(Context context, Options options) throws InterruptedException {
        return StackLauncher.up(context, options);
    }

    /** The architecture by {@code retrain.py}'s name, or a {@link CliException} that says where to look. */
    public static Architecture architecture(String name) {
        return Preflight.architecture(name);
    }

    /** Fails unless the architecture's graph is in {@code modelDir}, or in the cache once downloaded into it. */
    public static void checkModel(Context context, Architecture architecture, Optional<Path> modelDir) {
        Preflight.checkModel(context, architecture, modelDir);
    }
}
