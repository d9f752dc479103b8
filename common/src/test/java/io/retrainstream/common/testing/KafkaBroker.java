package io.retrainstream.common.testing;

import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicLayout;
import io.retrainstream.common.kafka.TopicSetup;
import io.retrainstream.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real KRaft Kafka inside the test JVM, from Apache Kafka's own test kit: one combined broker + controller (or a
 * cluster of several brokers, or one that accepts only SASL over TLS): no Docker needed. Records up to {@link TopicSetup#MAX_MESSAGE_BYTES} are accepted.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start()) {
 *     kafka.createProjectTopics();
 *     kafka.produce(Topics.IMAGES, "daisy/1.jpg", bytes, Map.of(Topics.LABEL, "daisy"));
 *     List<ConsumerRecord<String, byte[]>> records = kafka.consume(Topics.BOTTLENECKS, 1, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {

    /** Room for a 16 MB value plus the record batch overhead, key and headers. */
    private static final int MAX_REQUEST_BYTES = TopicSetup.MAX_MESSAGE_BYTES + 1024 * 1024;

    private final KafkaClusterTestKit cluster;
    /** The security settings a client needs for this broker's listener (none for PLAINTEXT), without its address. */
    private final Map<String, String> security;

    private KafkaProducer<String, byte[]> producer;

    private KafkaBroker(KafkaClusterTestKit cluster, Map<String, String> security) {
        this.cluster = cluster;
        this.security = Map.copyOf(security);
    }

    /** Formats and starts a fresh broker in a temporary folder (deleted on {@link #close()}); waits until it is ready. */
    public static KafkaBroker start() {
        return start(1);
    }

    /**
     * Formats and starts a fresh cluster of {@code brokers} brokers (the first also the KRaft controller) in a
     * temporary folder (deleted on {@link #close()}); waits until every broker is ready. Internal topics keep one
     * replica, so a test may stop brokers without losing the group coordinator's state.
     */
    public static KafkaBroker start(int brokers) {
        return start(brokers, Map.of(), Map.of());
    }

    /**
     * A single broker whose client listener accepts only {@code secured.protocol()}, e.g. SASL_SSL with PLAIN logins
     * and a certificate made for the test ({@link SecuredKafka}); its controller listener stays internal.
     */
    public static KafkaBroker start(SecuredKafka secured) {
        return start(1, secured.brokerSettings(), secured.clientSettings());
    }

    private static KafkaBroker start(int brokers, Map<String, String> brokerSettings, Map<String, String> security) {
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(brokers)
                    .setNumControllerNodes(1)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            brokerSettings.forEach(builder::setConfigProp);
            cluster = builder.setConfigProp("message.max.bytes", Integer.toString(TopicSetup.MAX_MESSAGE_BYTES))
                    .setConfigProp("replica.fetch.max.bytes", Integer.toString(MAX_REQUEST_BYTES))
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    .setConfigProp("num.partitions", "1")
                    .setConfigProp("default.replication.factor", "1")
                    .setConfigProp("min.insync.replicas", "1")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster, security);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new IllegalStateException("Cannot start the in-JVM Kafka broker: " + e, e);
        }
    }

    /** {@code host:port} of the broker's client listener. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The settings a client needs for this broker: its address, and its security settings when it has some. */
    public KafkaClients clients() {
        Map<String, String> settings = new java.util.HashMap<>(security);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return KafkaClients.of(settings);
    }

    /** The {@link #clients()} settings as a service's configuration: {@code kafka.bootstrap.servers} etc. */
    public Map<String, String> serviceConfig() {
        Map<String, String> config = new java.util.TreeMap<>();
        clients().settings().forEach((name, value) -> config.put(KafkaClients.PREFIX + "." + name, value));
        return config;
    }

    /** The broker servers by node id, e.g. to stop one ({@code brokers().get(1).shutdown()}). */
    public Map<Integer, kafka.server.BrokerServer> brokers() {
        return cluster.brokers();
    }

    /** Creates the project's topics as the services do, with the default layout. */
    public void createProjectTopics() {
        TopicSetup.ensureTopics(clients(), TopicLayout.DEFAULT);
    }

    /** A new admin client on this broker; the caller closes it. */
    public Admin admin() {
        return clients().admin(60_000);
    }

    /**
     * Sends one record and waits until the broker has it.
     *
     * @param headers UTF-8 header values, in iteration order; may be null
     */
    public synchronized void produce(String topic, String key, byte[] value, Map<String, String> headers) {
        if (producer == null) {
            Properties props = clients().producerProperties();
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
            props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 4L * MAX_REQUEST_BYTES);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        if (headers != null) {
            headers.forEach((name, text) ->
                    record.headers().add(name, text == null ? null : text.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while producing to " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Cannot produce to " + topic + ": " + e, e);
        }
    }

    /**
     * Publishes a photo of a class folder as {@code ./retrain publish} does: key {@code <class>/<file name>}, headers
     * {@code label} (the folder's name) and {@code filename}.
     */
    public void publishPhoto(java.nio.file.Path photo) {
        String label = photo.getParent().getFileName().toString();
        String file = photo.getFileName().toString();
        produce(
                Topics.IMAGES,
                label + "/" + file,
                SharedData.read(photo),
                Map.of(Topics.LABEL, label, Topics.FILENAME, file));
    }

    /**
     * Reads {@code topic} from the beginning of every partition with a fresh consumer (no group, nothing committed)
     * until {@code count} records have arrived, and returns the first {@code count} in the order read.
     *
     * @throws AssertionError when fewer arrived within {@code timeout}, saying how many did
     */
    public List<ConsumerRecord<String, byte[]>> consume(String topic, int count, Duration timeout) {
        Properties props = clients().consumerProperties();
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_REQUEST_BYTES);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 4 * MAX_REQUEST_BYTES);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty()) {
                List<PartitionInfo> infos = null;
                try {
                    infos = consumer.partitionsFor(topic, remaining(deadline, Duration.ofSeconds(5)));
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // a topic that does not exist (yet) times out; try again until the deadline
                }
                if (infos != null) {
                    partitions = infos.stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
                }
                if (partitions.isEmpty()) {
                    if (System.nanoTime() >= deadline) {
                        throw new AssertionError("Topic " + topic + " does not exist on " + bootstrapServers()
                                + " after " + timeout + "; expected " + count + " record(s)");
                    }
                    sleep(100);
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (records.size() < count) {
                Duration left = remaining(deadline, Duration.ofMillis(500));
                if (left.isZero()) {
                    throw new AssertionError("Only " + records.size() + " of " + count + " record(s) arrived on "
                            + topic + " within " + timeout + ": keys "
                            + records.stream().map(ConsumerRecord::key).toList());
                }
                consumer.poll(left).forEach(records::add);
            }
        }
        return List.copyOf(records.subList(0, count));
    }

    private static Duration remaining(long deadline, Duration max) {
        long left = Math.max(0, deadline - System.nanoTime());
        return Duration.ofNanos(Math.min(left, max.toNanos()));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** Stops the broker and deletes its data. */
    @Override
    public synchronized void close() {
        Exception failure = null;
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(10));
            } catch (Exception e) {
                failure = e;
            }
            producer = null;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                e.addSuppressed(failure);
            }
            failure = e;
        }
        if (failure != null) {
            throw new IllegalStateException("Cannot stop the in-JVM Kafka broker: " + failure, failure);
        }
    }
}
