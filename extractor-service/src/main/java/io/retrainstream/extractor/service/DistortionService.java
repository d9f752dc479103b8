package io.retrainstream.extractor.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.tf.DistortionRequest;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.extractor.config.ExtractorConfig;
import io.retrainstream.extractor.model.DistortionModel;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Distorted bottlenecks of stored images: draws each image's distortion from the request's seed, splits the images
 * into CNN batches and runs them on {@code distort-workers} threads at once (TensorFlow sessions take concurrent
 * runs), so that on 2 cores one batch's decode and resize overlap another's CNN.
 */
@ApplicationScoped
public class DistortionService {

    /** Images the request names that the store does not hold. */
    public static final class MissingImagesException extends RuntimeException {
        private final List<String> missing;

        MissingImagesException(List<String> missing) {
            super(missing.size() + " of the requested images are not in the extractor's image store (publish them "
                    + "again to topic 'images'): " + missing.subList(0, Math.min(5, missing.size())));
            this.missing = List.copyOf(missing);
        }

        public List<String> missing() {
            return missing;
        }
    }

    private final DistortionModel model;
    private final ImageStore store;
    private final ExecutorService workers;
    private final Timer timer;
    private final Counter distorted;

    public DistortionService(DistortionModel model, ImageStore store, ExtractorConfig config, MeterRegistry registry) {
        this.model = model;
        this.store = store;
        this.workers =
                Executors.newFixedThreadPool(config.extractor().distortWorkers(), Concurrency.daemonThreads("distort"));
        this.timer = Timer.builder("extractor.distorted.request")
                .description("Distorted bottlenecks per request")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.distorted = Counter.builder("extractor.distorted.images")
                .description("Distorted images computed")
                .register(registry);
    }

    /** The requested layer's vectors of the distorted images, in request order. */
    public float[][] distort(DistortionRequest request) {
        if (request.images() == null || request.images().isEmpty()) {
            throw new IllegalArgumentException("images must list at least one image SHA-256");
        }
        Distortions distortions = request.distortions();
        FeatureLayer layer = request.featureLayer();
        long start = System.nanoTime();
        List<byte[]> images = new ArrayList<>(request.images().size());
        List<String> missing = new ArrayList<>();
        for (String hash : request.images()) {
            byte[] image = hash == null ? null : store.get(hash).orElse(null);
            if (image == null) {
                missing.add(hash);
            }
            images.add(image);
        }
        if (!missing.isEmpty()) {
            throw new MissingImagesException(missing);
        }
        Random random = new Random(request.seed());
        List<Distortions.Draw> draws = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            draws.add(distortions.sample(random, model.inputSize()));
        }
        List<Future<List<Features>>> batches = new ArrayList<>();
        for (int from = 0; from < images.size(); from += model.maxBatch()) {
            int to = Math.min(images.size(), from + model.maxBatch());
            List<byte[]> batchImages = images.subList(from, to);
            List<Distortions.Draw> batchDraws = draws.subList(from, to);
            batches.add(workers.submit(() -> model.extract(batchImages, batchDraws)));
        }
        float[][] rows = new float[images.size()][];
        int row = 0;
        for (Future<List<Features>> batch : batches) {
            for (Features features : join(batch)) {
                rows[row++] = features.of(layer);
            }
        }
        long nanos = System.nanoTime() - start;
        timer.record(java.time.Duration.ofNanos(nanos));
        distorted.increment(images.size());
        Log.debugf(
                "Distorted %d images in %d ms (%.0f images/s)",
                (Object) images.size(), nanos / 1_000_000, images.size() * 1e9 / nanos);
        return rows;
    }

    private static List<Features> join(Future<List<Features>> batch) {
        try {
            return batch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while distorting", e);
        } catch (ExecutionException e) {
            throw Concurrency.unchecked(e);
        }
    }

    @PreDestroy
    void close() {
        workers.shutdownNow();
    }
}
