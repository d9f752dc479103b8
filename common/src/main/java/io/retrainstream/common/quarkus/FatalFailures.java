package io.retrainstream.common.quarkus;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.NotificationEmitter;
import org.jboss.logging.Logger;

/**
 * The first failure after which a service cannot do its work any more: a consumer that stopped, or a Java heap that
 * stays full after a full collection (an OutOfMemoryError then strikes wherever the next allocation happens to be,
 * Kafka's poll loop included, which retries for ever and reads nothing). {@link FatalFailureHealth} turns liveness and
 * readiness DOWN with the reason, so that a supervisor restarts the service instead of leaving it up but deaf, and the
 * log says which limit to raise.
 */
@ApplicationScoped
public class FatalFailures {

    private static final Logger LOG = Logger.getLogger(FatalFailures.class);

    /** A heap this full after a full collection is exhausted: the next allocations fail or thrash. */
    static final double EXHAUSTED = 0.95;

    private final AtomicReference<String> fatal = new AtomicReference<>();

    void watchHeap(@Observes StartupEvent started) {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = pool.getUsage().getMax();
            if (isOldGeneration(pool) && max > 0) {
                pool.setCollectionUsageThreshold((long) (max * EXHAUSTED));
            }
        }
        ((NotificationEmitter) ManagementFactory.getMemoryMXBean())
                .addNotificationListener(
                        (notification, handback) -> checkHeap(),
                        notification -> MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(
                                notification.getType()),
                        null);
    }

    /** Records that {@code what} failed with {@code failure} and cannot go on; logs what to do about it. */
    public void fatal(String what, Throwable failure) {
        String described = failure.getMessage() == null
                ? failure.getClass().getName()
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        record(what + " failed: " + described, failure instanceof OutOfMemoryError, failure);
    }

    /** Why the service can no longer work, once something fatal happened (the heap is checked on each call). */
    public Optional<String> fatal() {
        checkHeap();
        return Optional.ofNullable(fatal.get());
    }

    private void checkHeap() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (isOldGeneration(pool)
                    && pool.getCollectionUsage() != null
                    && pool.getUsage().getMax() > 0) {
                long used = pool.getCollectionUsage().getUsed();
                long max = pool.getUsage().getMax();
                if (used >= max * EXHAUSTED) {
                    record(
                            String.format(
                                    "The Java heap is exhausted: %s holds %d of its %d MiB after a full collection"
                                            + " (OutOfMemoryError)",
                                    pool.getName(), used >> 20, max >> 20),
                            true,
                            null);
                }
            }
        }
    }

    /**
     * The heap pool that only a full collection empties (Serial's Tenured Gen, Parallel's PS Old Gen, G1's Old Gen):
     * the young pools are full after a collection as a matter of course.
     */
    private static boolean isOldGeneration(MemoryPoolMXBean pool) {
        String name = pool.getName();
        return pool.getType() == MemoryType.HEAP
                && pool.isCollectionUsageThresholdSupported()
                && (name.contains("Old") || name.contains("Tenured"));
    }

    private void record(String reason, boolean heap, Throwable failure) {
        if (fatal.compareAndSet(null, reason)) {
            String advice = heap
                    ? "Raise the service's heap (" + (Runtime.getRuntime().maxMemory() >> 20) + " MiB at most now),"
                            + " e.g. RETRAIN_JAVA_OPTS=-Xmx2g ./retrain up, or JAVA_OPTS_APPEND=-Xmx2g with docker"
                            + " compose (the trainer keeps each image's id and label on the heap, its vectors outside it)."
                    : "See the error above.";
            LOG.errorf(failure, "%s. %s Liveness is DOWN now, so a supervisor restarts the service.", reason, advice);
        }
    }
}
