package io.retrainstream.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic, from its first record to the end it has now, without joining a consumer group. */
public final class TopicReader {

    /** Bytes of one fetch. */
    private static final int FETCH_BYTES = 1 << 20;

    private TopicReader() {}

    /** {@link #readAll(KafkaClients, String, Duration)} with plain clients of {@code bootstrapServers}. */
    public static List<ConsumerRecord<String, byte[]>> readAll(
            String bootstrapServers, String topic, Duration timeout) {
        return readAll(KafkaClients.of(bootstrapServers), topic, timeout);
    }

    /**
     * Every record of every partition of {@code topic}, up to the end each partition has now.
     *
     * @throws IllegalStateException when Kafka cannot be read within {@code timeout}, saying which settings to check
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(KafkaClients clients, String topic, Duration timeout) {
        try {
            return read(clients, topic, timeout);
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Cannot read topic " + topic + " from " + clients + ": " + clients.explain(e), e);
        }
    }

    /**
     * Hands every record of every partition of {@code topic}, up to the end each partition has now, to {@code each} as
     * it is read, keeping none: for a topic larger than the heap (a compacted {@code bottlenecks} of a million images
     * is 6 GB), where {@link #readAll} would run out of memory.
     *
     * @return how many records it handed over
     * @throws IllegalStateException when Kafka cannot be read within {@code timeout}, saying which settings to check
     */
    public static long forEach(
            KafkaClients clients, String topic, Duration timeout, Consumer<ConsumerRecord<String, byte[]>> each) {
        try {
            return read(clients, topic, timeout, each);
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Cannot read topic " + topic + " from " + clients + ": " + clients.explain(e), e);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> read(KafkaClients clients, String topic, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        read(clients, topic, timeout, records::add);
        return records;
    }

    private static long read(
            KafkaClients clients, String topic, Duration timeout, Consumer<ConsumerRecord<String, byte[]>> each) {
        long count = 0;
        try (KafkaConsumer<String, byte[]> consumer = consumer(clients, timeout)) {
            List<TopicPartition> assigned = partitions(consumer, topic, timeout);
            if (assigned.isEmpty()) {
                return count;
            }
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading topic " + topic + " from " + clients);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    each.accept(record);
                    count++;
                }
            }
        }
        return count;
    }

    /** The offset after the last record of each partition of {@code topic}, by partition number, now. */
    public static Map<Integer, Long> endOffsets(String bootstrapServers, String topic, Duration timeout) {
        return endOffsets(KafkaClients.of(bootstrapServers), topic, timeout);
    }

    /**
     * The offset after the last record of each partition of {@code topic}, by partition number, now.
     *
     * @throws IllegalStateException when Kafka cannot be read within {@code timeout}, saying which settings to check
     */
    public static Map<Integer, Long> endOffsets(KafkaClients clients, String topic, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(clients, timeout)) {
            Map<Integer, Long> ends = new java.util.TreeMap<>();
            consumer.endOffsets(partitions(consumer, topic, timeout), timeout)
                    .forEach((partition, offset) -> ends.put(partition.partition(), offset));
            return ends;
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Cannot read the end of topic " + topic + " from " + clients + ": " + clients.explain(e), e);
        }
    }

    /**
     * The offset of the first record still on each partition of {@code topic} (above 0 once compaction or retention
     * removed older ones), by partition number, now.
     *
     * @throws IllegalStateException when Kafka cannot be read within {@code timeout}, saying which settings to check
     */
    public static Map<Integer, Long> beginningOffsets(KafkaClients clients, String topic, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(clients, timeout)) {
            Map<Integer, Long> beginnings = new java.util.TreeMap<>();
            consumer.beginningOffsets(partitions(consumer, topic, timeout), timeout)
                    .forEach((partition, offset) -> beginnings.put(partition.partition(), offset));
            return beginnings;
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Cannot read the beginning of topic " + topic + " from " + clients + ": " + clients.explain(e), e);
        }
    }

    /** The partitions of {@code topic}, none when it does not exist. */
    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        return partitions == null
                ? List.of()
                : partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
    }

    /** A consumer without a group ({@code read_committed}, as the clients say), in fetches of 1 MB. */
    static KafkaConsumer<String, byte[]> consumer(KafkaClients clients, Duration timeout) {
        Properties props = clients.consumerProperties();
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        // fetches of 1 MB, not Kafka's 50 MB: a fetch is one byte array, and a small heap reading a large topic ran
        // out with a few in flight (a record larger than this is still fetched, alone)
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_BYTES);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FETCH_BYTES / 4);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
