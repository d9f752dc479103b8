package io.retrainstream.trainer.messaging;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.quarkus.logging.Log;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether the trainer has read back the bottlenecks that were on the topic when it started. Until then its sets are
 * partial, so no automatic run starts and the trainer is not ready: a restarted trainer must not train (and publish)
 * on half of its data.
 *
 * <p>Once it has, the heap is collected once and shrunk to its live set and a third more: replaying a million events
 * leaves the heap at the size their buffers needed, while what stays is each image's id, label and set (about 200
 * bytes).
 */
@ApplicationScoped
public class ReplayProgress {

    /** With nothing read for this long, the replay counts as done even if the offsets never line up exactly. */
    private static final Duration QUIET = Duration.ofSeconds(3);
    /**
     * With no record read at all for this long after the first look although the offsets say there are some (a
     * partition holding only transaction markers), the replay counts as done.
     */
    private static final Duration NOTHING_READ = Duration.ofSeconds(60);

    private static final String MIN_FREE = "MinHeapFreeRatio";
    private static final String MAX_FREE = "MaxHeapFreeRatio";
    /** The heap's free share the collection after the replay leaves at most (percent). */
    private static final String SHRUNK_FREE_PERCENT = "25";

    private final KafkaClients clients;
    private final Runnable whenDone;
    /** The next offset to read, per partition. */
    private final Map<Integer, Long> next = new ConcurrentHashMap<>();

    private volatile Range target;
    private volatile boolean done;
    private volatile long firstLookNanos;
    /** 0 until a record is read. */
    private volatile long lastReadNanos;

    @Inject
    public ReplayProgress(KafkaClients clients) {
        this(clients, ReplayProgress::collectHeap);
    }

    /** @param whenDone run once, on the thread that finds the replay done */
    public ReplayProgress(KafkaClients clients, Runnable whenDone) {
        this.clients = clients;
        this.whenDone = whenDone;
    }

    /** Notes that the record at {@code offset} of {@code partition} has been read. */
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
        synchronized (this) {
            if (done) {
                return true;
            }
            Range range = target();
            long now = System.nanoTime();
            boolean quiet = lastReadNanos != 0
                    ? now - lastReadNanos > QUIET.toNanos()
                    : now - firstLookNanos > NOTHING_READ.toNanos();
            if (reached(range) || quiet) {
                done = true;
                Log.infof(
                        "Read back the bottlenecks topic up to offsets %s (%,d records) in %.1f s of uptime: "
                                + "automatic runs may start",
                        range.ends(),
                        range.records(),
                        ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
                whenDone.run();
            }
        }
        return done;
    }

    /** Whether every partition has been read up to its end at the first look (an empty one from the start). */
    private boolean reached(Range range) {
        return range.ends().entrySet().stream()
                .allMatch(end ->
                        next.getOrDefault(end.getKey(), range.beginnings().getOrDefault(end.getKey(), 0L))
                                >= end.getValue());
    }

    /** How far the replay has come, by offsets: read of total (the records on the topic at the first look). */
    public Progress progress() {
        boolean caughtUp = caughtUp();
        Range range = target;
        long read = 0;
        for (Map.Entry<Integer, Long> end : range.ends().entrySet()) {
            long beginning = range.beginnings().getOrDefault(end.getKey(), 0L);
            long reached = Math.min(end.getValue(), next.getOrDefault(end.getKey(), beginning));
            read += Math.max(0, reached - beginning);
        }
        return new Progress(caughtUp ? range.records() : read, range.records(), caughtUp);
    }

    /**
     * @param read  offsets read so far, summed over the partitions
     * @param total offsets to read (records on the topic at the trainer's start, transaction markers included)
     * @param done  whether the replay is over
     */
    public record Progress(long read, long total, boolean done) {}

    private Range target() {
        if (target == null) {
            firstLookNanos = System.nanoTime();
            Duration timeout = Duration.ofSeconds(30);
            target = new Range(
                    TopicReader.beginningOffsets(clients, Topics.BOTTLENECKS, timeout),
                    TopicReader.endOffsets(clients, Topics.BOTTLENECKS, timeout));
        }
        return target;
    }

    /** The offsets of the topic's partitions at the first look: the first still there and the next to come. */
    private record Range(Map<Integer, Long> beginnings, Map<Integer, Long> ends) {
        long records() {
            long records = 0;
            for (Map.Entry<Integer, Long> end : ends.entrySet()) {
                records += Math.max(0, end.getValue() - beginnings.getOrDefault(end.getKey(), 0L));
            }
            return records;
        }
    }

    /**
     * One full collection that hands back to the system what the heap holds beyond its live set and a third more
     * (after which the heap grows and shrinks by the JVM's usual ratios again): the replay's buffers left it at their
     * size, the images' ids and labels need far less. The shrink takes effect at once with
     * {@code -XX:-ShrinkHeapInSteps} ({@code ServiceLaunch}); otherwise the collector shrinks over several collections.
     */
    private static void collectHeap() {
        long before = Runtime.getRuntime().totalMemory();
        long start = System.nanoTime();
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String minFree = hotspot.getVMOption(MIN_FREE).getValue();
        String maxFree = hotspot.getVMOption(MAX_FREE).getValue();
        try {
            hotspot.setVMOption(MIN_FREE, "0");
            hotspot.setVMOption(MAX_FREE, SHRUNK_FREE_PERCENT);
            System.gc();
        } catch (IllegalArgumentException e) {
            // a JVM whose options cannot be changed this way: a plain collection
            System.gc();
        } finally {
            restore(hotspot, maxFree, minFree);
        }
        Log.infof(
                "Collected the replay's garbage in %d ms: heap %d -> %d MiB committed, %d MiB used",
                (System.nanoTime() - start) / 1_000_000,
                before >> 20,
                Runtime.getRuntime().totalMemory() >> 20,
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
    }

    private static void restore(HotSpotDiagnosticMXBean hotspot, String maxFree, String minFree) {
        try {
            hotspot.setVMOption(MAX_FREE, maxFree);
            hotspot.setVMOption(MIN_FREE, minFree);
        } catch (IllegalArgumentException e) {
            Log.debugf("Could not restore the heap's free ratios: %s", e.getMessage());
        }
    }
}
