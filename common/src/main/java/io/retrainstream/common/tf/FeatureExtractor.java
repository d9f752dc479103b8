package io.retrainstream.common.tf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import io.retrainstream.common.Concurrency;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;

/**
 * Owns the {@link FeatureGraph} and its session: encoded images in, bottleneck vectors out, in batches of up to
 * {@code maxBatch} images per {@code Session.run}. With {@link ParallelRuns} above one, that many runner threads take
 * the batches of every call from one queue, so no more than that many runs go at once. Thread-safe; close it once.
 */
public final class FeatureExtractor implements ImageFeatures {

    private final Graph graph;
    private final Session session;
    private final FeatureGraph features;
    private final ParallelRuns parallel;
    /** One thread per parallel run, taking batches from one queue; null with one run at a time. */
    private final ExecutorService runners;

    /** One run at a time, each op over all cores (TensorFlow's default). */
    public FeatureExtractor(Architecture architecture, Path graphFile, int maxBatch) {
        this(architecture, graphFile, maxBatch, ParallelRuns.ONE);
    }

    public FeatureExtractor(Architecture architecture, Path graphFile, int maxBatch, ParallelRuns parallel) {
        this.parallel = parallel;
        graph = new Graph();
        try {
            features = FeatureGraph.build(graph, architecture, graphFile, maxBatch);
            session = new Session(graph, parallel.sessionConfig());
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        runners = parallel.runs() == 1 ? null
                : Executors.newFixedThreadPool(parallel.runs(), Concurrency.daemonThreads("tensorflow-run"));
    }

    /** How many runs go at once. */
    public ParallelRuns parallelRuns() {
        return parallel;
    }

    @Override
    public java.util.Set<String> devices() {
        try (ImageFeed feed = new ImageFeed(List.of(WarmUpImage.png()), 1)) {
            return Devices.used(feed.feed(session.runner()).fetch(features.bottleneck(1)));
        }
    }

    /** Runs every batch size once, so that no real batch pays for TensorFlow's first-run graph optimisation. */
    @Override
    public void warmUp() {
        byte[] image = WarmUpImage.png();
        for (int batch : features.batchSizes()) {
            runBatch(Collections.nCopies(batch, image));
        }
    }

    @Override
    public Architecture architecture() {
        return features.architecture();
    }

    @Override
    public int maxBatch() {
        return features.maxBatch();
    }

    /** Both feature layers of one image: {@code retrain.py}'s bottleneck and the pooled features. */
    public record Features(float[] bottleneck, float[] pooled) {
        /** The vector of one layer. */
        public float[] of(FeatureLayer layer) {
            return layer == FeatureLayer.POOLED ? pooled : bottleneck;
        }
    }

    /**
     * The features of {@code images}, in order. Throws {@link ImageDecodeException} when any image cannot be
     * decoded; callers that need to know which one run the images one by one.
     */
    @Override
    public List<Features> extract(List<byte[]> images) {
        return join(extractAsync(images));
    }

    /**
     * {@link #extract(List)} without waiting for it, with parallel runs: the batches queue behind those of earlier
     * calls, so a caller can hand over the next images while the runners still work on the last. With one run at a
     * time, runs now on the caller's thread.
     */
    @Override
    public CompletableFuture<List<Features>> extractAsync(List<byte[]> images) {
        return inRuns(images, this::runBatch);
    }

    @Override
    public Features extract(byte[] image) {
        return extract(List.of(image)).get(0);
    }

    @Override
    public List<float[]> extract(List<byte[]> images, FeatureLayer layer) {
        return join(extractAsync(images, layer));
    }

    @Override
    public CompletableFuture<List<float[]>> extractAsync(List<byte[]> images, FeatureLayer layer) {
        return inRuns(images, run -> runBatch(run, layer));
    }

    /**
     * {@code runOne} applied to the batches of {@code images}, the results in order. With parallel runs, the images
     * are cut into one part per runner, each part into batches ({@link FeatureGraph#runs}), and the runners take the
     * batches from one queue in turn. When a batch fails, the call's batches not yet started are skipped and the
     * first failure is the result once the others have finished.
     */
    private <T> CompletableFuture<List<T>> inRuns(List<byte[]> images, Function<List<byte[]>, List<T>> runOne) {
        List<List<byte[]>> runs = new ArrayList<>();
        for (List<byte[]> part : parallel.split(images)) {
            int start = 0;
            for (int run : features.runs(part.size())) {
                runs.add(part.subList(start, start + run));
                start += run;
            }
        }
        if (runners == null) {
            try {
                List<T> out = new ArrayList<>(images.size());
                runs.forEach(run -> out.addAll(runOne.apply(run)));
                return CompletableFuture.completedFuture(out);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return new QueuedCall<>(runs, runOne).submit(runners);
    }

    /** One call's batches on the runners' queue, and its result once the last has finished. */
    private static final class QueuedCall<T> {
        private final List<List<byte[]>> runs;
        private final Function<List<byte[]>, List<T>> runOne;
        private final List<List<T>> results;
        private final AtomicInteger left;
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private final CompletableFuture<List<T>> result = new CompletableFuture<>();

        QueuedCall(List<List<byte[]>> runs, Function<List<byte[]>, List<T>> runOne) {
            this.runs = runs;
            this.runOne = runOne;
            this.results = new ArrayList<>(Collections.nCopies(runs.size(), null));
            this.left = new AtomicInteger(runs.size());
        }

        CompletableFuture<List<T>> submit(ExecutorService runners) {
            if (runs.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            for (int i = 0; i < runs.size(); i++) {
                int index = i;
                try {
                    runners.execute(() -> run(index));
                } catch (RejectedExecutionException e) {
                    finish(index, new IllegalStateException("The feature extractor is closed", e));
                }
            }
            return result;
        }

        private void run(int index) {
            RuntimeException thrown = null;
            if (failure.get() == null) {
                try {
                    results.set(index, runOne.apply(runs.get(index)));
                } catch (RuntimeException e) {
                    thrown = e;
                }
            }
            finish(index, thrown);
        }

        private void finish(int index, RuntimeException thrown) {
            if (thrown != null) {
                failure.compareAndSet(null, thrown);
            }
            if (left.decrementAndGet() > 0) {
                return;
            }
            if (failure.get() != null) {
                result.completeExceptionally(failure.get());
            } else {
                List<T> out = new ArrayList<>();
                results.forEach(out::addAll);
                result.complete(out);
            }
        }
    }

    /** The value of a finished call, or its failure as thrown by the run. */
    private static <T> T join(CompletableFuture<T> call) {
        try {
            return call.join();
        } catch (CompletionException e) {
            if (Concurrency.cause(e) instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** One layer's vectors of at most {@code maxBatch} images, in one run. */
    private List<float[]> runBatch(List<byte[]> images, FeatureLayer layer) {
        images.forEach(ImageFormats::require);
        int batch = features.batchFor(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner()).fetch(features.features(layer, batch)).run()) {
            return Arrays.asList(rows((TFloat32) result.get(0), images.size(), architecture().size(layer)));
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    /** Both layers of at most {@code maxBatch} images, in one run. */
    private List<Features> runBatch(List<byte[]> images) {
        for (byte[] image : images) {
            ImageFormats.require(image);
        }
        int batch = features.batchFor(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner()).fetch(features.bottleneck(batch))
                        .fetch(features.pooled(batch)).run()) {
            float[][] bottlenecks = rows((TFloat32) result.get(0), images.size(), architecture().bottleneckSize());
            float[][] pooled = rows((TFloat32) result.get(1), images.size(), architecture().pooledSize());
            List<Features> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                out.add(new Features(bottlenecks[i], pooled[i]));
            }
            return out;
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    /** The first {@code count} rows of a {@code [batch, size]} tensor. */
    public static float[][] rows(TFloat32 values, int count, int size) {
        float[] flat = new float[(int) values.size()];
        values.copyTo(DataBuffers.of(flat, false, false));
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * size, (i + 1) * size);
        }
        return rows;
    }

    /** The first line of a TensorFlow error message, which names the problem; the rest is a node trace. */
    public static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return (newline >= 0 ? message.substring(0, newline) : message).trim();
    }

    @Override
    public void close() {
        if (runners != null) {
            runners.shutdownNow();
        }
        session.close();
        graph.close();
    }
}
