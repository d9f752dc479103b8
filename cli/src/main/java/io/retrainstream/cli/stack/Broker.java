package io.retrainstream.cli.stack;

import io.retrainstream.cli.CliException;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A local single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run as its own java
 * process from the jars in {@code cli/target/lib}. Its config and data live in {@code kafkaDir}; the data survives
 * restarts. The controller listens on {@code controllerPort}, a static quorum of one voter.
 */
public final class Broker {

    static final String MAIN_CLASS = "kafka.Kafka";
    static final String STORAGE_TOOL = "kafka.tools.StorageTool";

    private final Path libDir;
    private final Path kafkaDir;
    private final int port;
    private final int controllerPort;

    Broker(Path libDir, Path kafkaDir, int port, int controllerPort) {
        this.libDir = libDir.toAbsolutePath().normalize();
        this.kafkaDir = kafkaDir.toAbsolutePath().normalize();
        this.port = port;
        this.controllerPort = controllerPort;
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
        String config = String.join(
                "\n",
                "# Written by ./retrain up on every start: change the CLI's Broker class, not this file.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + host + ":" + controllerPort,
                "listeners=PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + host + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dataDir().toString().replace("\\", "\\\\"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
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

    /** Formats the data dir with a new cluster id unless it already holds a formatted broker. */
    void formatIfNeeded(Path log) throws InterruptedException {
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
                Uuid.randomUuid().toString(),
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

    /** True when a broker at {@code bootstrap} answers a describe-cluster request within {@code timeout}. */
    public static boolean isReachable(String bootstrap, Duration timeout) {
        int millis = (int) Math.max(500, timeout.toMillis());
        Properties props =
                KafkaClients.fromSystem().withBootstrapServers(bootstrap).adminProperties(millis);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(millis, 1000));
        props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, millis);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes()
                    .get(millis + 500L, TimeUnit.MILLISECONDS)
                    .isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
