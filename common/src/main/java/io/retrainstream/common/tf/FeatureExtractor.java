package io.retrainstream.common.tf;

import io.retrainstream.common.Concurrency;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
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
    private final DecodeBudget budget;
    /** One thread per parallel run, taking batches from one queue; null with one run at a time. */
    private final ExecutorService runners;
    /** Why a runner thread ended, if one ever did (it should not: each run's failure is caught). */
    private final AtomicReference<String> lostRunner = new AtomicReference<>();

    /** One run at a time, each op over all cores (TensorFlow's default). */
    public FeatureExtractor(Architecture architecture, Path graphFile, int maxBatch) {
        this(architecture, graphFile, maxBatch, ParallelRuns.ONE);
    }

    /** {@code parallel} runs at once, images within the default {@link ImageLimits}. */
    public FeatureExtractor(Architecture architecture, Path graphFile, int maxBatch, ParallelRuns parallel) {
        this(architecture, graphFile, maxBatch, parallel, ImageLimits.DEFAULT);
    }

    /** {@code parallel} runs at once; images over {@code limits} are refused before any decode. */
    public FeatureExtractor(
            Architecture architecture, Path graphFile, int maxBatch, ParallelRuns parallel, ImageLimits limits) {
        this(architecture, graphFile, maxBatch, parallel, new DecodeBudget(limits, architecture.inputSize()));
    }

    /**
     * {@code parallel} runs at once, decoding within {@code budget}, which other extractors of the process may share
     * (so that together they hold at most one budget of decode memory).
     */
    public FeatureExtractor(
            Architecture architecture, Path graphFile, int maxBatch, ParallelRuns parallel, DecodeBudget budget) {
        this(architecture, graphFile, maxBatch, parallel, budget, false);
    }

    /**
     * As {@link #FeatureExtractor(Architecture, Path, int, ParallelRuns, DecodeBudget)}; with {@code mirror}, every
     * image's {@link Features} also hold the pooled features of its left-right mirror ({@link
     * io.retrainstream.common.model.View#MIRROR}), a second CNN image each.
     */
    public FeatureExtractor(
            Architecture architecture,
            Path graphFile,
            int maxBatch,
            ParallelRuns parallel,
            DecodeBudget budget,
            boolean mirror) {
        this.parallel = parallel;
        this.budget = budget;
        graph = new Graph();
        try {
            features = FeatureGraph.withViews(graph, architecture, graphFile, maxBatch, mirror);
            session = new Session(graph, parallel.sessionConfig());
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        runners = parallel.runs() == 1
                ? null
                : Executors.newFixedThreadPool(
                        parallel.runs(),
                        Concurrency.daemonThreads(
                                "tensorflow-run",
                                (thread, failure) ->
                                        lostRunner.compareAndSet(null, thread.getName() + " died: " + failure)));
    }

    /** The decode budget its runs hold memory from, to share with another extractor of the same CNN. */
    public DecodeBudget decodeBudget() {
        return budget;
    }

    @Override
    public java.util.Optional<String> broken() {
        return java.util.Optional.ofNullable(lostRunner.get());
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
    public boolean mirrors() {
        return features.mirrors();
    }

    @Override
    public int maxBatch() {
        return features.maxBatch();
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
     * {@code runOne} applied to the batches of {@code images}, the results in order. Every image's header is checked
     * against the {@link ImageLimits} first (an unreadable or oversized one fails the call before any decode). With
     * parallel runs, the images are cut into one part per runner, each part into batches ({@link FeatureGraph#runs}),
     * an image that takes much decode memory into a batch of its own, and the runners take the batches from one
     * queue in turn; each batch holds its decode memory from the {@link DecodeBudget} while it runs. When a batch
     * fails, the call's batches not yet started are skipped and the first failure is the result once the others have
     * finished. Any {@code Throwable} of a run (an {@code OutOfMemoryError} from native memory included) fails only
     * its call, as an {@link ImageRunException}; the runner goes on with the next batch.
     */
    <T> CompletableFuture<List<T>> inRuns(List<byte[]> images, Function<List<byte[]>, List<T>> runOne) {
        long[] bytes;
        try {
            bytes = budget.check(images);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        List<List<byte[]>> runs = new ArrayList<>();
        List<Long> runBytes = new ArrayList<>();
        int offset = 0;
        for (List<byte[]> part : parallel.split(images)) {
            int start = 0;
            for (int i = 0; i <= part.size(); i++) {
                if (i < part.size() && !budget.large(bytes[offset + i], maxBatch())) {
                    continue;
                }
                for (int run : features.runs(i - start)) {
                    addRun(runs, runBytes, part, bytes, offset, start, start + run);
                    start += run;
                }
                if (i < part.size()) {
                    addRun(runs, runBytes, part, bytes, offset, i, i + 1);
                    start = i + 1;
                }
            }
            offset += part.size();
        }
        Function<Integer, List<T>> runIndex =
                index -> budget.run(runBytes.get(index), () -> runOne.apply(runs.get(index)));
        if (runners == null) {
            List<T> out = new ArrayList<>(images.size());
            for (int i = 0; i < runs.size(); i++) {
                try {
                    out.addAll(runIndex.apply(i));
                } catch (Throwable e) {
                    return CompletableFuture.failedFuture(contained(e));
                }
            }
            return CompletableFuture.completedFuture(out);
        }
        return new QueuedCall<>(runs.size(), runIndex).submit(runners);
    }

    private static void addRun(
            List<List<byte[]>> runs,
            List<Long> runBytes,
            List<byte[]> part,
            long[] bytes,
            int offset,
            int from,
            int to) {
        long sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[offset + i];
        }
        runs.add(part.subList(from, to));
        runBytes.add(sum);
    }

    /** A run's failure as its call sees it: runtime exceptions as thrown, anything else as {@link ImageRunException}. */
    static RuntimeException contained(Throwable failure) {
        return failure instanceof RuntimeException runtime ? runtime : ImageRunException.of(failure);
    }

    /** One call's batches on the runners' queue, and its result once the last has finished. */
    private static final class QueuedCall<T> {
        private final int runs;
        private final Function<Integer, List<T>> runOne;
        private final List<List<T>> results;
        private final AtomicInteger left;
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private final CompletableFuture<List<T>> result = new CompletableFuture<>();

        QueuedCall(int runs, Function<Integer, List<T>> runOne) {
            this.runs = runs;
            this.runOne = runOne;
            this.results = new ArrayList<>(Collections.nCopies(runs, null));
            this.left = new AtomicInteger(runs);
        }

        CompletableFuture<List<T>> submit(ExecutorService runners) {
            if (runs == 0) {
                return CompletableFuture.completedFuture(List.of());
            }
            for (int i = 0; i < runs; i++) {
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
                    results.set(index, runOne.apply(index));
                } catch (Throwable e) {
                    // An OutOfMemoryError from native memory included: this call fails, the runner thread lives on
                    thrown = contained(e);
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
        int batch = features.batchFor(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(session.runner())
                        .fetch(features.features(layer, batch))
                        .run()) {
            return Arrays.asList(
                    rows((TFloat32) result.get(0), images.size(), architecture().size(layer)));
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    /** Every layer of at most {@code maxBatch} images (the mirror's where built), in one run. */
    private List<Features> runBatch(List<byte[]> images) {
        int batch = features.batchFor(images.size());
        Session.Runner runner =
                session.runner().fetch(features.bottleneck(batch)).fetch(features.pooled(batch));
        if (features.mirrors()) {
            runner.fetch(features.mirror(batch));
        }
        try (ImageFeed feed = new ImageFeed(images, batch);
                Result result = feed.feed(runner).run()) {
            float[][] bottlenecks =
                    rows((TFloat32) result.get(0), images.size(), architecture().bottleneckSize());
            float[][] pooled =
                    rows((TFloat32) result.get(1), images.size(), architecture().pooledSize());
            float[][] mirror = features.mirrors()
                    ? rows(
                            (TFloat32) result.get(2),
                            images.size(),
                            architecture().pooledSize())
                    : null;
            List<Features> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                out.add(new Features(bottlenecks[i], pooled[i], mirror == null ? null : mirror[i]));
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
