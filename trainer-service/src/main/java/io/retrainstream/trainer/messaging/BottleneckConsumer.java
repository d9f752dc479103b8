package io.retrainstream.trainer.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.kafka.Channels;
import io.retrainstream.common.quarkus.FatalFailures;
import io.retrainstream.trainer.service.BottleneckStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads {@code bottlenecks} from its start on every start of the trainer (a fresh consumer group that commits
 * nothing): the compacted topic is the trainer's durable state. A malformed event is logged and skipped. Anything
 * else that escapes (the heap exhausted above all) stops ingest for good, so it turns health DOWN with the reason.
 *
 * <p>Each value is read where the Kafka client left it (a {@link ByteBuffer}, no copy) and only the kept layers'
 * floats are decoded: replaying a million MobileNet events otherwise copied each 6 KB event three times over.
 */
@ApplicationScoped
public class BottleneckConsumer {

    private final BottleneckStore store;
    private final ReplayProgress replay;
    private final FatalFailures failures;
    private final Counter added;
    private final Counter skipped;

    public BottleneckConsumer(
            BottleneckStore store, ReplayProgress replay, FatalFailures failures, MeterRegistry registry) {
        this.store = store;
        this.replay = replay;
        this.failures = failures;
        this.added = Counter.builder("trainer.bottlenecks.received")
                .tag("outcome", "added")
                .description("Bottleneck events read, by outcome")
                .register(registry);
        this.skipped = Counter.builder("trainer.bottlenecks.received")
                .tag("outcome", "malformed")
                .description("Bottleneck events read, by outcome")
                .register(registry);
    }

    @Incoming(Channels.BOTTLENECKS_IN)
    public void consume(ConsumerRecords<String, ByteBuffer> records) {
        try {
            add(records);
        } catch (RuntimeException | Error e) {
            failures.fatal("Reading bottlenecks after " + (long) added.count() + " images", e);
            throw e;
        }
        noteReplay();
    }

    /** Lets the replay end as soon as it has read what was there at the start, not at the next look from outside. */
    private void noteReplay() {
        try {
            replay.caughtUp();
        } catch (RuntimeException e) {
            Log.debugf("Cannot tell yet whether the replay is over: %s", e.getMessage());
        }
    }

    private void add(ConsumerRecords<String, ByteBuffer> records) {
        for (ConsumerRecord<String, ByteBuffer> record : records) {
            replay.read(record.partition(), record.offset());
            try {
                if (store.add(BottleneckComputed.decode(record.value(), store.keptLayers()))) {
                    added.increment();
                }
            } catch (MalformedEventException e) {
                skipped.increment();
                Log.warnf(
                        "Skipping malformed bottleneck event %s (%s-%d@%d): %s",
                        record.key(), record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
    }
}
