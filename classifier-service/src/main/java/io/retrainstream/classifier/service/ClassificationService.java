package io.retrainstream.classifier.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageFormats;

/**
 * Classifies images with the model being served, batching concurrent requests: each worker takes the requests
 * queued (up to {@code max-batch}, waiting at most {@code batch-wait} for more) and runs them through the model in
 * one {@code Session.run}. A lone request runs at once, alone.
 */
@ApplicationScoped
public class ClassificationService {

    /** One class and its softmax score. */
    public record Prediction(String label, float score) {
    }

    /** The top predictions and the model version that made them. */
    public record Classification(long modelVersion, String architecture, List<Prediction> predictions) {
    }

    /** Thrown when a request waited longer than the configured timeout for its turn. */
    public static class OverloadedException extends RuntimeException {
        OverloadedException(String message) {
            super(message);
        }
    }

    private record Pending(byte[] image, int topK, CompletableFuture<Optional<Classification>> result) {
    }

    private final ModelHolder holder;
    private final ClassifierConfig.Classifier config;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final Timer inference;
    private final DistributionSummary batchSizes;
    private volatile boolean running = true;

    public ClassificationService(ModelHolder holder, ClassifierConfig config, MeterRegistry registry) {
        this.holder = holder;
        this.config = config.classifier();
        this.inference = Timer.builder("classifier.inference")
                .description("Decode, resize, CNN and head for one batch of requests").publishPercentiles(0.5, 0.99)
                .register(registry);
        this.batchSizes = DistributionSummary.builder("classifier.batch.size")
                .description("Requests classified together in one run").register(registry);
        for (int i = 0; i < this.config.batchWorkers(); i++) {
            Thread worker = new Thread(this::work, "classify-batch-" + i);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
    }

    /** The top {@code topK} classes, or empty when no model has been published yet. */
    public Optional<Classification> classify(byte[] image, int topK) {
        ImageFormats.require(image);
        if (holder.current().isEmpty()) {
            return Optional.empty();
        }
        Pending pending = new Pending(image, topK, new CompletableFuture<>());
        queue.add(pending);
        try {
            return pending.result().get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.result().cancel(false);
            throw new OverloadedException("The classifier is overloaded: no result within "
                    + config.requestTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while classifying", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void work() {
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                batch.clear();
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
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
                if (!batch.isEmpty()) {
                    run(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.errorf(e, "Classifying a batch of %d failed", batch.size());
                batch.forEach(pending -> pending.result().completeExceptionally(e));
            }
        }
    }

    /** Runs a batch; when an image in it cannot be decoded, runs each alone so that only its request fails. */
    private void run(List<Pending> batch) {
        Optional<Boolean> served = holder.withModel(model -> {
            batchSizes.record(batch.size());
            try {
                List<float[]> scores = inference.record(() -> model.classify(batch.stream().map(Pending::image)
                        .toList()));
                for (int i = 0; i < batch.size(); i++) {
                    complete(batch.get(i), model, scores.get(i));
                }
            } catch (ImageDecodeException batchFailure) {
                for (Pending pending : batch) {
                    try {
                        complete(pending, model, model.classify(pending.image()));
                    } catch (ImageDecodeException e) {
                        pending.result().completeExceptionally(e);
                    }
                }
            }
            return true;
        });
        if (served.isEmpty()) {
            batch.forEach(pending -> pending.result().complete(Optional.empty()));
        }
    }

    private static void complete(Pending pending, ServingModel model, float[] scores) {
        List<Prediction> predictions = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            predictions.add(new Prediction(model.labels().get(i), scores[i]));
        }
        predictions.sort(Comparator.comparingDouble(Prediction::score).reversed());
        pending.result().complete(Optional.of(new Classification(model.model().version(),
                model.model().architecture(),
                List.copyOf(predictions.subList(0, Math.min(pending.topK(), predictions.size()))))));
    }

    @PreDestroy
    void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
    }
}
