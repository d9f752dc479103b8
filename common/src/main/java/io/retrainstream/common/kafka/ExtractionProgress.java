package io.retrainstream.common.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far the extractor's consumer group has consumed {@code images}, from Kafka's own offsets (an {@link Admin}
 * client: {@code listOffsets} and {@code listConsumerGroupOffsets}). The extractor commits a poll's offsets only after
 * its bottlenecks and dead letters are sent, so a photo below the group's committed offset has its bottleneck (or its
 * dead letter) on Kafka. {@link #await} waits for a range of photos and tells a stopped or stuck extractor from a slow
 * one: no progress at all for the stall timeout, or no member in the group for the absent timeout.
 *
 * <p>Photos published in Kafka transactions leave a commit (or abort) marker after their records, and an aborted
 * transaction's records are never read: the extractor commits the offset after the last record it read, which may be
 * below the end of a partition with nothing left to extract. For a partition whose committed offset is below its end,
 * a {@code read_committed} consumer without a group seeks to that offset and reads on: if it reaches the end without a
 * record, only markers and aborted records are left and the partition is done. One thread at a time (the consumer is
 * single-threaded), as every waiter uses it.
 */
public final class ExtractionProgress implements AutoCloseable {

    /** The extractor's consumer group on {@code images} ({@code mp.messaging.incoming.images.group.id}). */
    public static final String EXTRACTOR_GROUP = "extractor";

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** The longest one {@link #check} reads a partition past the committed offset before calling it pending. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** One probe poll; the broker answers a fetch at the end of a partition after {@code fetch.max.wait.ms}. */
    private static final Duration PROBE_POLL = Duration.ofMillis(100);
    /** Bytes a probe fetches per partition: aborted records are skipped in bulk, a photo's bytes mostly not read. */
    private static final int PROBE_FETCH_BYTES = 64 * 1024;

    private final Admin admin;
    private final KafkaClients clients;
    private final String group;
    /** The probe consumer, made on the first partition it has to read. */
    private KafkaConsumer<byte[], byte[]> probe;
    /** Per partition, how far a probe read without a record: from the committed offset it began at to its position. */
    private final Map<TopicPartition, Scanned> scanned = new HashMap<>();

    /** A probe that began at {@code from} and found no record before {@code reached}. */
    private record Scanned(long from, long reached) {}

    /**
     * The photos to wait for: per partition of {@code images}, the offsets from {@code from} (inclusive) to
     * {@code to} (exclusive).
     */
    public record Target(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {

        public Target {
            from = Map.copyOf(from);
            to = Map.copyOf(to);
        }

        /** How many records the range holds (photos, and a few transaction markers when producers used them). */
        public long total() {
            return to.entrySet().stream()
                    .mapToLong(e -> Math.max(0, e.getValue() - from.getOrDefault(e.getKey(), 0L)))
                    .sum();
        }
    }

    /**
     * The extractor's progress on a {@link Target} at one moment.
     *
     * @param done     photos of the target the group has consumed (their bottlenecks or dead letters are on Kafka)
     * @param total    photos of the target
     * @param members  consumers in the extractor group now (0: no extractor is running)
     */
    public record Snapshot(long done, long total, int members) {

        public long pending() {
            return total - done;
        }

        public boolean complete() {
            return done >= total;
        }

        /** E.g. {@code waiting for 554 of 750 photos to be extracted}. */
        public String describe() {
            return "waiting for " + pending() + " of " + total + " photos to be extracted";
        }
    }

    /** The extractor stopped or is stuck: the message says what was waited for and what to do. */
    public static final class StalledException extends RuntimeException {
        private final Snapshot snapshot;

        StalledException(String message, Snapshot snapshot) {
            super(message);
            this.snapshot = snapshot;
        }

        public Snapshot snapshot() {
            return snapshot;
        }
    }

    /** Thrown by {@link #await} when {@code cancelled} says so. */
    public static final class CancelledException extends RuntimeException {
        CancelledException() {
            super("The wait for the extractor was cancelled");
        }
    }

    public ExtractionProgress(String bootstrapServers, String group) {
        this(KafkaClients.of(bootstrapServers), group);
    }

    /** Asks Kafka through {@code clients}, the project's one source of client settings (TLS and SASL included). */
    public ExtractionProgress(KafkaClients clients, String group) {
        Properties props = clients.adminProperties((int) CALL_TIMEOUT.toMillis());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "extraction-progress");
        this.admin = Admin.create(props);
        this.clients = clients;
        this.group = group;
    }

    /** Every photo on {@code images} now (committed ones: the extractor reads {@code read_committed}). */
    public Target everythingNow() {
        List<TopicPartition> partitions = partitions(Topics.IMAGES);
        return new Target(offsets(partitions, OffsetSpec.earliest()), offsets(partitions, OffsetSpec.latest()));
    }

    /** The offset after the last record of each partition of {@code topic}, now. */
    public Map<TopicPartition, Long> endOffsets(String topic) {
        return offsets(partitions(topic), OffsetSpec.latest());
    }

    /** The extractor group's progress on {@code target} now. */
    public Snapshot check(Target target) {
        return new Snapshot(done(target), target.total(), members());
    }

    /**
     * Records on {@code images} the extractor group has not consumed yet: photos waiting for their bottleneck (0 when
     * the extractor has caught up; transaction markers after its offset do not count). No member count, so cheaper
     * than {@link #check}, for a caller that only asks whether the extractor is busy.
     */
    public long backlog() {
        Target now = everythingNow();
        return now.total() - done(now);
    }

    /**
     * {@link #backlog()} for a caller that only asks whether it is above {@code enough}: from Kafka's offsets alone
     * (end offset minus the group's committed offset, which counts a transaction's marker and aborted records too, so
     * never less than the photos waiting) while that is at most {@code enough}; above it, the photos really waiting,
     * read past the committed offsets as {@link #backlog()} does. A steady stream costs two offset requests; only a
     * backlog that looks like a burst is read.
     */
    public long backlog(long enough) {
        Target now = everythingNow();
        Map<TopicPartition, OffsetAndMetadata> committed = committed();
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : now.to().entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            long from = now.from().getOrDefault(end.getKey(), 0L);
            lag += Math.max(0, end.getValue() - Math.max(from, offset == null ? from : offset.offset()));
        }
        return lag <= enough ? lag : now.total() - done(now, committed);
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() {
        return call(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(),
                "read the committed offsets of consumer group '" + group + "'");
    }

    private long done(Target target) {
        return done(target, committed());
    }

    private long done(Target target, Map<TopicPartition, OffsetAndMetadata> committed) {
        long done = 0;
        for (Map.Entry<TopicPartition, Long> end : target.to().entrySet()) {
            long from = target.from().getOrDefault(end.getKey(), 0L);
            OffsetAndMetadata offset = committed.get(end.getKey());
            long consumed = Math.min(offset == null ? from : offset.offset(), end.getValue());
            long start = Math.max(consumed, from);
            if (start < end.getValue() && noRecordBetween(end.getKey(), start, end.getValue())) {
                consumed = end.getValue();
            }
            done += Math.max(0, consumed - from);
        }
        return done;
    }

    /**
     * Whether {@code partition} holds no committed record from {@code start} (inclusive) to {@code end} (exclusive):
     * only transaction markers and aborted records, which no {@code read_committed} consumer (the extractor included)
     * ever gets. Reads on from where an earlier probe from the same offset stopped.
     */
    private boolean noRecordBetween(TopicPartition partition, long start, long end) {
        Scanned before = scanned.get(partition);
        long seekTo = before != null && before.from() == start ? before.reached() : start;
        if (seekTo >= end) {
            return true;
        }
        KafkaConsumer<byte[], byte[]> consumer = probe();
        consumer.assign(List.of(partition));
        consumer.seek(partition, seekTo);
        long deadline = System.nanoTime() + PROBE_TIMEOUT.toNanos();
        try {
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(PROBE_POLL);
                if (!records.isEmpty()) {
                    return records.records(partition).get(0).offset() >= end;
                }
                long position = consumer.position(partition, CALL_TIMEOUT);
                scanned.put(partition, new Scanned(start, position));
                if (position >= end) {
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    return false;
                }
            }
        } catch (KafkaException e) {
            throw new IllegalStateException(
                    "Cannot read " + partition + " past the committed offset " + start + " on Kafka: " + e.getMessage(),
                    e);
        } finally {
            consumer.unsubscribe();
        }
    }

    private KafkaConsumer<byte[], byte[]> probe() {
        if (probe == null) {
            Properties props = clients.consumerProperties();
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "extraction-progress-probe");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
            props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, PROBE_FETCH_BYTES);
            props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, PROBE_FETCH_BYTES);
            props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) PROBE_POLL.toMillis());
            props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
            probe = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return probe;
    }

    /**
     * Waits until the extractor group has consumed all of {@code target}, calling {@code progress} with every
     * {@link Snapshot} that differs from the last.
     *
     * @param stallTimeout  how long the group may make no progress at all, members or not
     * @param absentTimeout how long the group may have no member (a restarted extractor rejoins within seconds)
     * @return the last snapshot, complete
     * @throws StalledException   when the extractor stopped or is stuck
     * @throws CancelledException when {@code cancelled} turns true
     */
    public Snapshot await(
            Target target,
            Duration poll,
            Duration stallTimeout,
            Duration absentTimeout,
            Consumer<Snapshot> progress,
            BooleanSupplier cancelled)
            throws InterruptedException {
        Snapshot last = null;
        long lastProgress = System.nanoTime();
        long absentSince = 0;
        while (true) {
            if (cancelled.getAsBoolean()) {
                throw new CancelledException();
            }
            Snapshot now = check(target);
            long time = System.nanoTime();
            if (last == null || now.done() > last.done()) {
                lastProgress = time;
            }
            if (!now.equals(last)) {
                progress.accept(now);
            }
            last = now;
            if (now.complete()) {
                return now;
            }
            absentSince = now.members() > 0 ? 0 : absentSince == 0 ? time : absentSince;
            if (absentSince != 0 && time - absentSince >= absentTimeout.toNanos()) {
                throw new StalledException(
                        String.format(
                                "No extractor is running (consumer group '%s' has no member for %d s), %s. Start it "
                                        + "(./retrain status shows what runs; ./retrain up starts what is missing), "
                                        + "or train on the bottlenecks there are now",
                                group, absentTimeout.toSeconds(), now.describe()),
                        now);
            }
            if (time - lastProgress >= stallTimeout.toNanos()) {
                throw new StalledException(
                        String.format(
                                "The extractor (consumer group '%s', %d member(s)) extracted no photo for %d s, %s. "
                                        + "See its log (.retrain/logs/extractor.log) and ./retrain status, restart it, "
                                        + "or train on the bottlenecks there are now",
                                group, now.members(), stallTimeout.toSeconds(), now.describe()),
                        now);
            }
            Thread.sleep(poll.toMillis());
        }
    }

    private int members() {
        try {
            return call(
                            admin.describeConsumerGroups(List.of(group))
                                    .describedGroups()
                                    .get(group),
                            "describe consumer group '" + group + "'")
                    .members()
                    .size();
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    private List<TopicPartition> partitions(String topic) {
        return call(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic)
                .get(topic)
                .partitions()
                .stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(p -> p, p -> spec));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        call(
                        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                                .all(),
                        "list the offsets of " + partitions)
                .forEach((partition, info) -> offsets.put(partition, info.offset()));
        return offsets;
    }

    private <T> T call(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Cannot " + what + " on Kafka: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka did not answer within " + CALL_TIMEOUT.toSeconds() + " s (to " + what
                            + "): is the broker running?",
                    e);
        }
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
