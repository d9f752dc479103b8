package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicLayout;
import io.retrainstream.common.kafka.TopicSetup;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * One node of the local Apache Kafka cluster in KRaft mode (broker and controller in one process), run as its own java
 * process from the jars in {@code cli/target/lib}. Its config and data live in {@code kafkaDir}; the data survives
 * restarts. The controller listens on {@code controllerPort}; the quorum is static, every node of the cluster a voter
 * ({@code ./retrain up --brokers N}: one voter by default, three for a cluster of three). Kafka's internal topics get
 * the replication and {@code min.insync.replicas} that {@link TopicLayout#DEFAULT} gives the project's topics on a
 * cluster of that size (1 and 1 on one broker, 3 and 2 on three).
 */
public final class Broker {

    static final String MAIN_CLASS = "kafka.Kafka";
    static final String STORAGE_TOOL = "kafka.tools.StorageTool";

    /**
     * How long the controller waits for a broker's heartbeat before it fences it and moves its partitions' leadership
     * to the others (Kafka's default is 9 s): what a killed broker stalls the partitions it led for.
     */
    static final int SESSION_TIMEOUT_MS = 4000;
    /** A broker's heartbeats to the controller, well within {@link #SESSION_TIMEOUT_MS}. */
    static final int HEARTBEAT_INTERVAL_MS = 1000;

    private final Path libDir;
    private final Path kafkaDir;
    private final int nodeId;
    private final int brokers;
    private final String quorumVoters;
    private final int port;
    private final int controllerPort;

    /**
     * @param nodeId       this node's id, from 1
     * @param brokers      how many nodes the cluster has
     * @param quorumVoters every node's controller, {@code 1@127.0.0.1:9093,...}
     */
    Broker(Path libDir, Path kafkaDir, int nodeId, int brokers, String quorumVoters, int port, int controllerPort) {
        this.libDir = libDir.toAbsolutePath().normalize();
        this.kafkaDir = kafkaDir.toAbsolutePath().normalize();
        this.nodeId = nodeId;
        this.brokers = brokers;
        this.quorumVoters = quorumVoters;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Node {@code node} of the cluster {@code state} describes, its files in {@code kafkaDir}. */
    static Broker of(Path libDir, Path kafkaDir, State state, int node) {
        return new Broker(
                libDir,
                kafkaDir,
                node,
                state.brokers(),
                state.quorumVoters(),
                state.brokerPort(node),
                state.brokerControllerPort(node));
    }

    int nodeId() {
        return nodeId;
    }

    String bootstrap() {
        return State.LOOPBACK + ":" + port;
    }

    Path configFile() {
        return kafkaDir.resolve("server.properties");
    }

    Path dataDir() {
        return kafkaDir.resolve("data");
    }

    /**
     * Writes {@code server.properties} (again on every start, so that port changes take effect). Every listener is on
     * the loopback address: the broker has no authentication, so only processes on this machine may reach it.
     */
    void writeConfig() {
        String host = State.LOOPBACK;
        short replication = TopicLayout.DEFAULT.replicationFactor(brokers);
        int minInsync = TopicLayout.DEFAULT.minInsyncReplicas(replication);
        String config = String.join(
                "\n",
                "# Written by ./retrain up on every start: change the CLI's Broker class, not this file.",
                "process.roles=broker,controller",
                "node.id=" + nodeId,
                "controller.quorum.voters=" + quorumVoters,
                "listeners=PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + host + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dataDir().toString().replace("\\", "\\\\"),
                "num.partitions=1",
                "default.replication.factor=" + replication,
                "min.insync.replicas=" + minInsync,
                "offsets.topic.replication.factor=" + replication,
                "transaction.state.log.replication.factor=" + replication,
                "transaction.state.log.min.isr=" + minInsync,
                "share.coordinator.state.topic.replication.factor=" + replication,
                "share.coordinator.state.topic.min.isr=" + minInsync,
                "broker.session.timeout.ms=" + SESSION_TIMEOUT_MS,
                "broker.heartbeat.interval.ms=" + HEARTBEAT_INTERVAL_MS,
                "group.initial.rebalance.delay.ms=0",
                "message.max.bytes=" + TopicSetup.MAX_MESSAGE_BYTES,
                "");
        try {
            Files.createDirectories(kafkaDir);
            Files.writeString(configFile(), config);
        } catch (IOException e) {
            throw new CliException("Cannot write " + configFile() + ": " + e.getMessage(), e);
        }
    }

    boolean isFormatted() {
        return Files.isRegularFile(dataDir().resolve("meta.properties"));
    }

    /** The cluster id the data dir was formatted with, if it was. */
    Optional<String> clusterId() {
        if (!isFormatted()) {
            return Optional.empty();
        }
        Properties meta = new Properties();
        try (Reader reader = Files.newBufferedReader(dataDir().resolve("meta.properties"))) {
            meta.load(reader);
        } catch (IOException e) {
            throw new CliException("Cannot read " + dataDir().resolve("meta.properties") + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(meta.getProperty("cluster.id"));
    }

    /** Formats the data dir with {@code clusterId} unless it already holds a formatted broker. */
    void formatIfNeeded(String clusterId, Path log) throws InterruptedException {
        if (isFormatted()) {
            return;
        }
        List<String> command = List.of(
                Processes.javaBinary(),
                "-Xmx256m",
                "-cp",
                classpath(),
                STORAGE_TOOL,
                "format",
                "-t",
                clusterId,
                "-c",
                configFile().toString(),
                "--ignore-formatted");
        Process process = Processes.startDetached(command, Map.of(), kafkaDir, log);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new CliException("Formatting Kafka's storage took over 2 minutes; see " + log);
        }
        if (process.exitValue() != 0 || !isFormatted()) {
            throw new CliException("Formatting Kafka's storage in " + dataDir() + " failed (exit " + process.exitValue()
                    + "). Last lines of " + log + ":\n" + String.join("\n", Processes.tail(log, 30)));
        }
    }

    /** The broker's java command (the {@link Supervisor} starts it, in {@link #workDir()}). */
    List<String> command() {
        return List.of(
                Processes.javaBinary(),
                "-Xmx512m",
                "-Xms256m",
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS",
                "-cp",
                classpath(),
                MAIN_CLASS,
                configFile().toString());
    }

    Path workDir() {
        return kafkaDir;
    }

    private String classpath() {
        if (!Files.isDirectory(libDir)) {
            throw new CliException(
                    libDir + " is missing: build with ./mvnw -B -DskipTests install " + "(./retrain does it for you).");
        }
        return libDir.resolve("*").toString();
    }

    /** A new cluster id, for the first format of a workspace's brokers. */
    static String newClusterId() {
        return Uuid.randomUuid().toString();
    }

    /** True when a broker at {@code bootstrap} answers a describe-cluster request within {@code timeout}. */
    public static boolean isReachable(String bootstrap, Duration timeout) {
        return clusterSize(bootstrap, timeout) > 0;
    }

    /**
     * How many brokers the cluster at {@code bootstrap} lists as registered and unfenced, or 0 when none answers
     * within {@code timeout}.
     */
    static int clusterSize(String bootstrap, Duration timeout) {
        int millis = (int) Math.max(500, timeout.toMillis());
        Properties props =
                KafkaClients.fromSystem().withBootstrapServers(bootstrap).adminProperties(millis);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(millis, 1000));
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, millis);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        try (Admin admin = Admin.create(props)) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes()
                    .get(millis + 500L, TimeUnit.MILLISECONDS)
                    .size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
