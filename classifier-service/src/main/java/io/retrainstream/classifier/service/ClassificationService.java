package io.retrainstream.classifier.service;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.tf.BatchIsolation;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ImageRunException;
import io.retrainstream.common.tf.ImageTooLargeException;
import io.retrainstream.common.tf.ParallelRuns;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Classifies images with the model being served, batching concurrent requests: a dispatcher takes the requests queued
 * (up to {@code max-batch}, waiting at most {@code batch-wait} for more) and hands them to the model as one batch
 * without waiting for it. At most {@code parallel-runs} batches are in flight, so while the CNN's runners work, new
 * requests gather into the next batch; a lone request runs at once, alone. No thread waits for a result: each
 * request's future completes when its batch does.
 */
@ApplicationScoped
public class ClassificationService {

    /** One class and its softmax score. */
    public record Prediction(String label, float score) {}

    /** The top predictions and the model version that made them. */
    public record Classification(long modelVersion, String architecture, List<Prediction> predictions) {}

    /**
     * Thrown at once when the queue is full (by requests or by image bytes), and when a request waited longer than the
     * configured timeout for its turn: the client should retry after {@link #RETRY_AFTER_SECONDS}.
     */
    public static class OverloadedException extends RuntimeException {
        OverloadedException(String message) {
            super(message);
        }
    }

    /** What the 503 of an overloaded classifier tells clients to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 1;

    private record Pending(byte[] image, int topK, CompletableFuture<Optional<Classification>> result) {}

    private final ModelHolder holder;
    private final ClassifierConfig.Classifier config;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ImageLimits limits;
    /** Requests and image bytes admitted and not yet answered: waiting in the queue or being classified. */
    private final AtomicInteger admitted = new AtomicInteger();

    private final AtomicLong admittedBytes = new AtomicLong();
    /** Why the dispatcher thread ended, if it ever did. */
    private final AtomicReference<String> dispatcherDeath = new AtomicReference<>();

    private final Semaphore inFlight;
    private final Thread dispatcher;
    private final Timer inference;
    private final DistributionSummary batchSizes;
    private volatile boolean running = true;

    public ClassificationService(ModelHolder holder, ClassifierConfig config, MeterRegistry registry) {
        this.holder = holder;
        this.config = config.classifier();
        this.limits = new ImageLimits(config.maxImagePixels());
        registry.gauge("classifier.queue.requests", admitted);
        registry.gauge("classifier.queue.bytes", admittedBytes);
        this.inFlight =
                new Semaphore(ParallelRuns.orPerCore(this.config.parallelRuns()).runs());
        this.inference = Timer.builder("classifier.inference")
                .description("Decode, resize, CNN and head for one batch of requests")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.batchSizes = DistributionSummary.builder("classifier.batch.size")
                .description("Requests classified together in one run")
                .register(registry);
        dispatcher = new Thread(this::dispatch, "classify-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.setUncaughtExceptionHandler(
                (thread, failure) -> dispatcherDeath.compareAndSet(null, thread.getName() + " died: " + failure));
        dispatcher.start();
    }

    /**
     * The top {@code topK} classes, or empty when no model has been published yet. Throws at once
     * {@link ImageDecodeException} for bytes of no image format, {@link ImageTooLargeException} for an image over the
     * pixel budget (read from its header), and {@link OverloadedException} when the queue is full; the future fails
     * with {@link ImageDecodeException} when TensorFlow cannot decode the image, and with {@link OverloadedException}
     * when no result came within the request timeout.
     */
    public CompletableFuture<Optional<Classification>> classify(byte[] image, int topK) {
        limits.checkPixels(image);
        if (holder.current().isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        admit(image.length);
        Pending pending = new Pending(image, topK, new CompletableFuture<>());
        pending.result().whenComplete((done, failure) -> {
            admitted.decrementAndGet();
            admittedBytes.addAndGet(-image.length);
        });
        queue.add(pending);
        Duration timeout = config.requestTimeout();
        return pending.result()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                        Concurrency.cause(failure) instanceof TimeoutException
                                ? new OverloadedException("The classifier is overloaded: no result within " + timeout)
                                : Concurrency.cause(failure)));
    }

    /** Counts a request in, or refuses it at once when the requests or bytes admitted would pass their bounds. */
    private void admit(int bytes) {
        if (admitted.incrementAndGet() > config.maxQueued()) {
            admitted.decrementAndGet();
            throw new OverloadedException("The classifier is overloaded: " + config.maxQueued()
                    + " requests are already waiting (retrain.classifier.max-queued); try again shortly");
        }
        if (admittedBytes.addAndGet(bytes) > config.maxQueuedBytes() && admitted.get() > 1) {
            admittedBytes.addAndGet(-bytes);
            admitted.decrementAndGet();
            throw new OverloadedException("The classifier is overloaded: " + config.maxQueuedBytes()
                    + " bytes of images are already waiting (retrain.classifier.max-queued-bytes); try again shortly");
        }
    }

    /** Why classification can no longer work (the dispatcher or a CNN runner lost), for liveness; empty while it can. */
    public Optional<String> broken() {
        if (dispatcherDeath.get() != null) {
            return Optional.of(dispatcherDeath.get());
        }
        if (running && !dispatcher.isAlive()) {
            return Optional.of("the dispatcher thread has stopped");
        }
        return holder.current().flatMap(ServingModel::broken);
    }

    private void dispatch() {
        while (running) {
            List<Pending> batch = List.of();
            try {
                inFlight.acquire();
                batch = nextBatch();
                if (batch.isEmpty()) {
                    inFlight.release();
                } else {
                    run(batch).whenComplete((done, failure) -> inFlight.release());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // Whatever fails (an OutOfMemoryError included) fails this batch, never the dispatcher
                Log.errorf(e, "Dispatching a batch failed");
                RuntimeException failure = e instanceof RuntimeException runtime ? runtime : ImageRunException.of(e);
                batch.forEach(pending -> pending.result().completeExceptionally(failure));
                inFlight.release();
            }
        }
    }

    /** The requests queued, at least one unless none came for a while; without those already timed out. */
    private List<Pending> nextBatch() throws InterruptedException {
        List<Pending> batch = new ArrayList<>();
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
            return batch;
        }
        batch.add(first);
        queue.drainTo(batch, config.maxBatch() - batch.size());
        long waitNanos = config.batchWait().toNanos();
        long deadline = System.nanoTime() + waitNanos;
        while (waitNanos > 0 && batch.size() < config.maxBatch()) {
            Pending next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                break;
            }
            batch.add(next);
            queue.drainTo(batch, config.maxBatch() - batch.size());
        }
        batch.removeIf(pending -> pending.result().isDone());
        return batch;
    }

    /**
     * Starts a batch on the current model; when an image in it cannot be decoded, runs each alone so that only its
     * request fails ({@link BatchIsolation}). Completes once every request of the batch has its result.
     */
    private CompletableFuture<Void> run(List<Pending> batch) {
        batchSizes.record(batch.size());
        Timer.Sample sample = Timer.start();
        List<byte[]> images = batch.stream().map(Pending::image).toList();
        Optional<CompletableFuture<Void>> served = holder.withModelAsync(model -> BatchIsolation.runOrIsolate(
                        images, model::classifyAsync)
                .handle((results, failure) -> {
                    if (failure != null) {
                        Log.errorf(Concurrency.cause(failure), "Classifying a batch of %d failed", batch.size());
                        batch.forEach(pending -> pending.result().completeExceptionally(Concurrency.cause(failure)));
                        return null;
                    }
                    if (results.batchFailure() == null) {
                        sample.stop(inference);
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        BatchIsolation.Each<float[]> each = results.each().get(i);
                        if (each.failed()) {
                            batch.get(i).result().completeExceptionally(each.failure());
                        } else {
                            complete(batch.get(i), model, each.value());
                        }
                    }
                    return null;
                }));
        if (served.isEmpty()) {
            batch.forEach(pending -> pending.result().complete(Optional.empty()));
            return CompletableFuture.completedFuture(null);
        }
        return served.get();
    }

    private static void complete(Pending pending, ServingModel model, float[] scores) {
        List<Prediction> predictions = new ArrayList<>();
        for (int i : Head.topK(scores, pending.topK())) {
            predictions.add(new Prediction(model.labels().get(i), scores[i]));
        }
        pending.result()
                .complete(Optional.of(new Classification(
                        model.model().version(), model.model().architecture(), List.copyOf(predictions))));
    }

    @PreDestroy
    void stop() {
        running = false;
        dispatcher.interrupt();
    }
}
