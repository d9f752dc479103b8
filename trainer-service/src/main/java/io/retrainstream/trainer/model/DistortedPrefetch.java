package io.retrainstream.trainer.model;

import io.retrainstream.common.Concurrency;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches the next step's distorted batch on a background thread while the current step trains, and measures the
 * throughput. Batches are sampled on the caller's thread ({@code retrain.py}'s class-balanced sampling), so a seed
 * gives the same batches. While it waits for a batch it asks the {@link Cancellation} every
 * {@value #CANCELLATION_CHECK_MILLIS} ms, and a cancelled run interrupts the fetch in flight.
 */
final class DistortedPrefetch implements AutoCloseable {

    /** One step's training rows and their distorted bottlenecks, row-major. */
    record Batch(int[] rows, float[] vectors) {}

    /** How often a wait for the next batch asks whether the run was cancelled. */
    static final long CANCELLATION_CHECK_MILLIS = 100;

    private final DistortedBatches source;
    private final BalancedSampler sampler;
    private final int batchSize;
    private final Random seeds;
    private final Cancellation cancellation;
    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(Concurrency.daemonThreads("distorted-prefetch"));
    private final long started = System.nanoTime();
    private Future<Batch> pending;
    private long images;
    private long waitedNanos;

    DistortedPrefetch(
            DistortedBatches source, BalancedSampler sampler, int batchSize, long seed, Cancellation cancellation) {
        this.source = source;
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.seeds = new Random(seed);
        this.cancellation = cancellation;
        this.pending = submit();
    }

    /** This step's batch; starts fetching the next one when {@code more} steps follow. */
    Batch next(boolean more) {
        long start = System.nanoTime();
        Batch batch = null;
        try {
            while (batch == null) {
                try {
                    batch = pending.get(CANCELLATION_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (cancellation.requested()) {
                        pending.cancel(true);
                        throw new RunCancelledException();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for distorted bottlenecks", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
        waitedNanos += System.nanoTime() - start;
        images += batch.rows().length;
        pending = more ? submit() : null;
        return batch;
    }

    private Future<Batch> submit() {
        int[] rows = sampler.sample(batchSize);
        long seed = seeds.nextLong();
        return executor.submit(() -> new Batch(rows, source.fetch(rows, seed)));
    }

    /** Images fetched so far. */
    long images() {
        return images;
    }

    /** Throughput so far, as a progress line. */
    String summary() {
        double seconds = (System.nanoTime() - started) / 1e9;
        return String.format(
                "Distorted %d training images in %.1f s (%.0f images/s); training waited %.1f s for them",
                images, seconds, images / seconds, waitedNanos / 1e9);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
