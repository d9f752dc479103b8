package io.retrainstream.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

    private static List<ConsumerRecord<String, byte[]>> read(KafkaClients clients, String topic, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(clients, timeout)) {
            List<TopicPartition> assigned = partitions(consumer, topic, timeout);
            if (assigned.isEmpty()) {
                return records;
            }
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading topic " + topic + " from " + clients);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
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

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        return partitions == null
                ? List.of()
                : partitions.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
    }

    private static KafkaConsumer<String, byte[]> consumer(KafkaClients clients, Duration timeout) {
        Properties props = clients.consumerProperties();
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
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
