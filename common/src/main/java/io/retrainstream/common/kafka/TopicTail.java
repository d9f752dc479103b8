package io.retrainstream.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from its start and then on, one call at a time, with one consumer kept between calls (no group,
 * {@code read_committed}): each {@link #readNew} returns the records committed since the last call, up to the end the
 * partitions have at that moment. Where {@link TopicReader#readAll} makes a consumer and reads the whole topic each
 * time (hundreds of milliseconds even for a small topic), a caller that asks again and again pays only for what is
 * new: one offsets request, and a fetch when there is something. Not thread-safe: one caller at a time.
 */
public final class TopicTail implements AutoCloseable {

    private final KafkaClients clients;
    private final String topic;
    private final Duration timeout;
    private KafkaConsumer<String, byte[]> consumer;
    private List<TopicPartition> partitions;

    public TopicTail(KafkaClients clients, String topic, Duration timeout) {
        this.clients = clients;
        this.topic = topic;
        this.timeout = timeout;
    }

    /**
     * The records committed to the topic since the last call (every record at the first call), up to the end of each
     * partition now.
     *
     * @throws IllegalStateException when Kafka cannot be read within the timeout, saying which settings to check; the
     *     next call starts again from the beginning of the topic, so no record is skipped
     */
    public List<ConsumerRecord<String, byte[]>> readNew() {
        try {
            return read();
        } catch (KafkaException | IllegalStateException e) {
            close();
            throw new IllegalStateException(
                    "Cannot read topic " + topic + " from " + clients + ": "
                            + (e instanceof KafkaException ? clients.explain(e) : e.getMessage()),
                    e);
        }
    }

    private List<ConsumerRecord<String, byte[]>> read() {
        if (consumer == null) {
            consumer = TopicReader.consumer(clients, timeout);
            partitions = TopicReader.partitions(consumer, topic, timeout);
            if (partitions.isEmpty()) {
                // no such topic yet: nothing to read, and the next call looks again
                close();
                return List.of();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (consumer != null) {
            try {
                consumer.close();
            } catch (RuntimeException e) {
                // closing a consumer that failed: nothing more to do
            }
            consumer = null;
        }
    }
}
