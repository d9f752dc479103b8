package io.retrainstream.trainer.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the trainer has read back the bottlenecks that were on the topic when it started. Until then its sets are
 * partial, so no automatic run starts: a restarted trainer must not train (and publish) on half of its data.
 */
@ApplicationScoped
public class ReplayProgress {

    /** With nothing read for this long, the replay counts as done even if the offsets never line up exactly. */
    private static final long QUIET_NANOS = Duration.ofSeconds(3).toNanos();

    private final KafkaClients clients;
    /** The next offset to read, per partition. */
    private final Map<Integer, Long> next = new ConcurrentHashMap<>();

    private volatile Map<Integer, Long> target;
    private volatile boolean done;
    private volatile long lastReadNanos = System.nanoTime();

    public ReplayProgress(KafkaClients clients) {
        this.clients = clients;
    }

    void read(int partition, long offset) {
        next.merge(partition, offset + 1, Math::max);
        lastReadNanos = System.nanoTime();
    }

    /** Whether this trainer has read every partition up to {@code offsets} (the next offset, by partition). */
    public boolean readUpTo(Map<Integer, Long> offsets) {
        return offsets.entrySet().stream().allMatch(end -> next.getOrDefault(end.getKey(), 0L) >= end.getValue());
    }

    /** True once every partition has been read up to its end as it was at the first call. */
    public boolean caughtUp() {
        if (done) {
            return true;
        }
        if (target == null) {
            target = TopicReader.endOffsets(clients, Topics.BOTTLENECKS, Duration.ofSeconds(30));
        }
        boolean reached =
                target.entrySet().stream().allMatch(end -> next.getOrDefault(end.getKey(), 0L) >= end.getValue());
        if (reached || System.nanoTime() - lastReadNanos > QUIET_NANOS) {
            done = true;
            Log.infof("Read back the bottlenecks topic up to offsets %s: automatic runs may start", target);
        }
        return done;
    }
}
