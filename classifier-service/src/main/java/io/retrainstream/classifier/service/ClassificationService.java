package io.retrainstream.classifier.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ModelVersions;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
@Startup
public class ClassificationService {

    /** One class and its softmax score. */
    public record Prediction(String label, float score) {}

    /** The answer's {@code label} when the top score is below the minimum score. */
    public static final String UNKNOWN = "unknown";

    /**
     * The top predictions and the model version that made them.
     *
     * @param label       the answer: the top class, or {@link #UNKNOWN} when its score is below {@code minScore}
     * @param minScore    the minimum score that applied (the request's or the configured one), null when none did
     * @param bestGuess   the top class and its score when {@code label} is {@link #UNKNOWN}, else null
     * @param predictions the top classes with their scores, highest first, whatever the minimum score
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Classification(
            long modelVersion,
            String architecture,
            String label,
            Double minScore,
            Prediction bestGuess,
            List<Prediction> predictions) {}

    /** Every class's softmax score of one image, in class-index order, and the model version that made them. */
    public record Scores(long modelVersion, String architecture, List<String> labels, float[] scores) {

        /** The {@code k} most likely classes, highest first, with no minimum score. */
        public Classification top(int k) {
            return top(k, OptionalDouble.empty());
        }

        /** The {@code k} most likely classes, highest first; the answer is {@link #UNKNOWN} below {@code minScore}. */
        public Classification top(int k, OptionalDouble minScore) {
            List<Prediction> predictions = new ArrayList<>();
            for (int i : Head.topK(scores, k)) {
                predictions.add(new Prediction(labels.get(i), scores[i]));
            }
            int best = Head.topK(scores, 1)[0];
            Prediction top = new Prediction(labels.get(best), scores[best]);
            boolean unknown = minScore.isPresent() && top.score() < minScore.getAsDouble();
            return new Classification(
                    modelVersion,
                    architecture,
                    unknown ? UNKNOWN : top.label(),
                    minScore.isPresent() ? minScore.getAsDouble() : null,
                    unknown ? top : null,
                    List.copyOf(predictions));
        }
    }

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

    /** One image to score on model {@code version}; {@code named} when the request asked for that version. */
    private record Pending(byte[] image, long version, boolean named, CompletableFuture<Optional<Scores>> result) {}

    private final ModelHolder holder;
    private final ModelVersions versions;
    private final ModelService models;
    /** Loads the head of a version a request names, off the HTTP I/O thread (one at a time, as ModelService does). */
    private final ExecutorService versionLoader = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "version-loader");
        thread.setDaemon(true);
        return thread;
    });

    private final ClassifierConfig.Classifier config;
    /** {@code retrain.classifier.min-score}: the minimum score of requests that give none. */
    private final OptionalDouble configuredMinScore;

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

    public ClassificationService(
            ModelHolder holder,
            ModelVersions versions,
            ModelService models,
            ClassifierConfig config,
            MeterRegistry registry) {
        this.holder = holder;
        this.versions = versions;
        this.models = models;
        this.config = config.classifier();
        this.limits = new ImageLimits(config.maxImagePixels());
        this.configuredMinScore = this.config.minScore().stream()
                .mapToDouble(Double::doubleValue)
                .peek(value -> {
                    if (!(value >= 0 && value <= 1)) {
                        throw new IllegalStateException("retrain.classifier.min-score (RETRAIN_CLASSIFIER_MIN_SCORE) "
                                + "must be a number from 0 to 1, got " + value + ": set it so, or leave it unset for "
                                + "answers that always name their top class");
                    }
                })
                .findFirst();
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

    /** {@link #classify(byte[], int, OptionalLong)} by the served model. */
    public CompletableFuture<Optional<Classification>> classify(byte[] image, int topK) {
        return classify(image, topK, OptionalLong.empty());
    }

    /** {@link #classify(byte[], int, OptionalLong, OptionalDouble)} with the configured minimum score. */
    public CompletableFuture<Optional<Classification>> classify(byte[] image, int topK, OptionalLong version) {
        return classify(image, topK, version, OptionalDouble.empty());
    }

    /**
     * The top {@code topK} classes of one image, as {@link #score(List, OptionalLong)} scores it; its answer is
     * {@link #UNKNOWN} when the top score is below {@code minScore}, or when none is given below
     * {@code retrain.classifier.min-score}.
     */
    public CompletableFuture<Optional<Classification>> classify(
            byte[] image, int topK, OptionalLong version, OptionalDouble minScore) {
        OptionalDouble threshold = minScore.isPresent() ? minScore : configuredMinScore;
        return score(List.of(image), version)
                .thenApply(scored -> scored.map(all -> all.get(0).top(topK, threshold)));
    }

    /**
     * A minimum score as a request or the configuration gives it: empty for none, else a number from 0 to 1.
     *
     * @throws IllegalArgumentException naming the value and the bound
     */
    public static OptionalDouble minScore(String text) {
        if (text == null || text.isBlank()) {
            return OptionalDouble.empty();
        }
        try {
            double value = Double.parseDouble(text.trim());
            if (value >= 0 && value <= 1) {
                return OptionalDouble.of(value);
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(
                "min_score must be a number from 0 to 1 (the lowest top score that names a class), got '" + text + "'");
    }

    /**
     * Every class's scores of each image, in order, all by the same model: {@code version} when given, else the one
     * served when the request came; empty when no model has been published yet. Throws at once
     * {@link ImageDecodeException} for bytes of no image format, {@link ImageTooLargeException} for an image over the
     * pixel budget (read from its header), {@link OverloadedException} when the queue is full, and
     * {@link UnknownVersionException} for a version that cannot be served; the future fails with
     * {@link ImageDecodeException} when TensorFlow cannot decode an image, with {@link UnknownVersionException} when the
     * version cannot be loaded, and with {@link OverloadedException} when no result came within the request timeout.
     */
    public CompletableFuture<Optional<List<Scores>>> score(List<byte[]> images, OptionalLong version) {
        images.forEach(limits::checkPixels);
        Optional<ServingModel> served = holder.current();
        if (served.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (version.isEmpty()) {
            return enqueue(images, served.get().version(), false);
        }
        long named = version.getAsLong();
        if (versions.loaded(named)) {
            return enqueue(images, named, true);
        }
        return CompletableFuture.supplyAsync(() -> models.requireLoaded(named), versionLoader)
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(Concurrency.cause(failure)))
                .thenCompose(loaded -> enqueue(images, named, true));
    }

    private CompletableFuture<Optional<List<Scores>>> enqueue(List<byte[]> images, long version, boolean named) {
        long bytes = images.stream().mapToLong(image -> image.length).sum();
        admit(images.size(), bytes);
        Duration timeout = config.requestTimeout();
        List<CompletableFuture<Optional<Scores>>> results = new ArrayList<>();
        for (byte[] image : images) {
            Pending pending = new Pending(image, version, named, new CompletableFuture<>());
            pending.result().whenComplete((done, failure) -> {
                admitted.decrementAndGet();
                admittedBytes.addAndGet(-image.length);
            });
            queue.add(pending);
            results.add(pending.result()
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                            Concurrency.cause(failure) instanceof TimeoutException
                                    ? new OverloadedException("The classifier is overloaded: no result within "
                                            + timeout + " (retrain.classifier.request-timeout); try again shortly")
                                    : Concurrency.cause(failure))));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(Concurrency.cause(failure)))
                .thenApply(done -> {
                    List<Scores> all = new ArrayList<>();
                    for (CompletableFuture<Optional<Scores>> result : results) {
                        Optional<Scores> scores = result.join();
                        if (scores.isEmpty()) {
                            return Optional.empty();
                        }
                        all.add(scores.get());
                    }
                    return Optional.of(List.copyOf(all));
                });
    }

    /** Counts a request in, or refuses it at once when the requests or bytes admitted would pass their bounds. */
    private void admit(int requests, long bytes) {
        if (admitted.addAndGet(requests) > config.maxQueued()) {
            admitted.addAndGet(-requests);
            throw new OverloadedException("The classifier is overloaded: " + config.maxQueued()
                    + " requests are already waiting (retrain.classifier.max-queued); try again shortly");
        }
        if (admittedBytes.addAndGet(bytes) > config.maxQueuedBytes() && admitted.get() > requests) {
            admittedBytes.addAndGet(-bytes);
            admitted.addAndGet(-requests);
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

    /** Starts a batch: each version's images run together on that version's model. */
    private CompletableFuture<Void> run(List<Pending> batch) {
        batchSizes.record(batch.size());
        Map<Long, List<Pending>> byVersion = new LinkedHashMap<>();
        batch.forEach(pending -> byVersion
                .computeIfAbsent(pending.version(), v -> new ArrayList<>())
                .add(pending));
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        byVersion.forEach((version, group) -> runs.add(runOnVersion(version, group)));
        return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new));
    }

    /**
     * Runs {@code group} on model {@code version}. When that version was unloaded meanwhile (swapped out and past the
     * kept heads' bytes), requests that did not name it run on the served model, and those that did fail with 503.
     */
    private CompletableFuture<Void> runOnVersion(long version, List<Pending> group) {
        Optional<CompletableFuture<Void>> run = versions.withVersionAsync(version, model -> runOn(model, group));
        if (run.isPresent()) {
            return run.get();
        }
        List<Pending> unnamed = new ArrayList<>();
        for (Pending pending : group) {
            if (pending.named()) {
                pending.result()
                        .completeExceptionally(new OverloadedException("Model version " + version
                                + " was unloaded while the request waited (more versions were asked for than "
                                + "retrain.classifier.version-heads-max-bytes keeps); try again"));
            } else {
                unnamed.add(pending);
            }
        }
        return holder.withModelAsync(model -> runOn(model, unnamed)).orElseGet(() -> {
            unnamed.forEach(pending -> pending.result().complete(Optional.empty()));
            return CompletableFuture.completedFuture(null);
        });
    }

    /**
     * Runs {@code group} on {@code model}; when an image in it cannot be decoded, runs each alone so that only its
     * request fails ({@link BatchIsolation}). Completes once every request of the group has its result.
     */
    private CompletableFuture<Void> runOn(ServingModel model, List<Pending> group) {
        if (group.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Timer.Sample sample = Timer.start();
        List<byte[]> images = group.stream().map(Pending::image).toList();
        return BatchIsolation.runOrIsolate(images, model::classifyAsync).handle((results, failure) -> {
            if (failure != null) {
                Log.errorf(Concurrency.cause(failure), "Classifying a batch of %d failed", group.size());
                group.forEach(pending -> pending.result().completeExceptionally(Concurrency.cause(failure)));
                return null;
            }
            if (results.batchFailure() == null) {
                sample.stop(inference);
            }
            for (int i = 0; i < group.size(); i++) {
                BatchIsolation.Each<float[]> each = results.each().get(i);
                if (each.failed()) {
                    group.get(i).result().completeExceptionally(each.failure());
                } else {
                    group.get(i)
                            .result()
                            .complete(Optional.of(new Scores(
                                    model.version(), model.model().architecture(), model.labels(), each.value())));
                }
            }
            return null;
        });
    }

    @PreDestroy
    void stop() {
        running = false;
        dispatcher.interrupt();
        versionLoader.shutdownNow();
    }
}
