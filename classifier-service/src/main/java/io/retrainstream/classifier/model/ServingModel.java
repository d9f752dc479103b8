package io.retrainstream.classifier.model;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.View;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.WarmUpImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One published model ready to serve: encoded image bytes in, softmax scores out: the CNN's (or module's) features,
 * then the trained head and softmax. Versions on the same CNN share it ({@link SharedFeatures}), so
 * a new version costs only its head. Calls count themselves in and out, so that a model swapped out is closed only
 * after its last in-flight request.
 */
public final class ServingModel {

    /** Runs images to scores, in batches of up to {@link #maxBatch()}. */
    private interface Scorer {
        int maxBatch();

        List<float[]> score(List<byte[]> images);

        CompletableFuture<List<float[]>> scoreAsync(List<byte[]> images);

        void warmUp();

        java.util.Optional<String> broken();

        void close();
    }

    private final ModelPublished model;
    private final Scorer scorer;
    private final List<View> views;
    /** Whether its CNN has the mirror copy (used by this model or not). */
    private final boolean mirrors;
    /** In-flight calls, plus one while the model is current; the holder that brings it to zero closes it. */
    private final AtomicInteger references = new AtomicInteger(1);

    /** A model on a frozen {@code retrain.py} graph, with a CNN of its own (with the mirror when its head has it). */
    public ServingModel(ModelPublished model, Path graphFile, int maxBatch) {
        this(model, extractor(model, graphFile, maxBatch));
    }

    private static FeatureExtractor extractor(ModelPublished model, Path graphFile, int maxBatch) {
        Architecture architecture = Architecture.of(model.architecture());
        return new FeatureExtractor(
                architecture,
                graphFile,
                maxBatch,
                ParallelRuns.ONE,
                new DecodeBudget(ImageLimits.DEFAULT, architecture.inputSize()),
                View.mirrored(model.viewList()));
    }

    /**
     * A model on the features of a loaded CNN or module (e.g. a SavedModel feature vector, or a
     * {@link SharedFeatures#lease()}); takes ownership of it and closes it when retired.
     */
    public ServingModel(ModelPublished model, ImageFeatures features) {
        this.model = model;
        try {
            HeadOnFeatures scorer = new HeadOnFeatures(model, features);
            this.scorer = scorer;
            this.views = scorer.mirror ? model.head().views() : View.ORIGINAL_ONLY;
            this.mirrors = features.mirrors();
        } catch (RuntimeException e) {
            features.close();
            throw e;
        }
    }

    public ModelPublished model() {
        return model;
    }

    public List<String> labels() {
        return model.labels();
    }

    /**
     * The views its answers are the mean over: the model's, or the photo alone where its features cannot compute the
     * mirror (a SavedModel module).
     */
    public List<View> views() {
        return views;
    }

    /**
     * Whether it runs on a CNN with the mirror copy, which it uses only when its {@link #views()} include the mirror.
     */
    public boolean mirrors() {
        return mirrors;
    }

    public long version() {
        return model.version();
    }

    /** What the head holds in memory beyond the shared CNN: its weights and biases. */
    public long headBytes() {
        return (long) Float.BYTES * (model.weights().length + model.biases().length);
    }

    /**
     * Runs {@code call} on {@code model}, already acquired by the caller, and releases it once the future {@code call}
     * returns completes (or at once when {@code call} throws).
     */
    static <T> CompletableFuture<T> callReleasing(
            ServingModel model, java.util.function.Function<ServingModel, CompletableFuture<T>> call) {
        CompletableFuture<T> result;
        try {
            result = call.apply(model);
        } catch (RuntimeException | Error e) {
            model.release();
            throw e;
        }
        return result.whenComplete((value, failure) -> model.release());
    }

    /** Softmax scores per class, in class-index order. */
    public float[] classify(byte[] image) {
        return classify(List.of(image)).get(0);
    }

    /** The largest batch one run takes. */
    public int maxBatch() {
        return scorer.maxBatch();
    }

    /**
     * Scores of each image, in order, in runs of up to {@link #maxBatch()} images (at once where the features run in
     * parallel). Throws {@link ImageDecodeException} when any image cannot be decoded (the features check each
     * image's format).
     */
    public List<float[]> classify(List<byte[]> images) {
        return scorer.score(images);
    }

    /** {@link #classify(List)} without waiting: the features' runners compute it and complete the future. */
    public CompletableFuture<List<float[]>> classifyAsync(List<byte[]> images) {
        return scorer.scoreAsync(images);
    }

    /** Runs every batch size once, so that no request pays for TensorFlow's first-run optimisation. */
    public void warmUp() {
        scorer.warmUp();
    }

    /** Why this model's CNN can no longer run (a runner thread lost); empty while it can. */
    public java.util.Optional<String> broken() {
        return scorer.broken();
    }

    private static void requireSize(ModelPublished model, Architecture architecture) {
        FeatureLayer layer = model.featureLayer();
        if (architecture.size(layer) != model.bottleneckSize()) {
            throw new IllegalArgumentException("Model " + model.version() + " takes " + model.bottleneckSize()
                    + " inputs but the " + layer.id() + " layer of " + architecture.name() + " has "
                    + architecture.size(layer));
        }
    }

    /**
     * The CNN's or module's features (their own runs), then the {@link Head}: {@code softmax(x W + b)} computed in
     * place (a few thousand multiply-adds per image: a second {@code Session.run} and its tensors cost more than the
     * arithmetic). A head with the mirror view on features that compute it takes every layer of each image and of its
     * mirror in one run and answers {@link Head#softmax(Features)}, the mean over both; any other head fetches its
     * layer alone, so that it never pays for a mirror (not even on a CNN built with one).
     */
    private static final class HeadOnFeatures implements Scorer {
        private final ImageFeatures features;
        private final Head head;
        private final boolean mirror;

        HeadOnFeatures(ModelPublished model, ImageFeatures features) {
            requireSize(model, features.architecture());
            this.features = features;
            this.head = model.head();
            this.mirror = head.mirrored() && features.mirrors();
        }

        @Override
        public int maxBatch() {
            return features.maxBatch();
        }

        @Override
        public List<float[]> score(List<byte[]> images) {
            return mirror ? views(features.extract(images)) : softmax(features.extract(images, head.layer()));
        }

        @Override
        public CompletableFuture<List<float[]>> scoreAsync(List<byte[]> images) {
            return mirror
                    ? features.extractAsync(images).thenApply(this::views)
                    : features.extractAsync(images, head.layer()).thenApply(this::softmax);
        }

        private List<float[]> softmax(List<float[]> rows) {
            List<float[]> out = new ArrayList<>(rows.size());
            for (float[] x : rows) {
                out.add(head.softmax(x));
            }
            return out;
        }

        private List<float[]> views(List<Features> rows) {
            List<float[]> out = new ArrayList<>(rows.size());
            for (Features x : rows) {
                out.add(head.softmax(x));
            }
            return out;
        }

        @Override
        public void warmUp() {
            features.warmUp();
            score(List.of(WarmUpImage.png()));
        }

        @Override
        public java.util.Optional<String> broken() {
            return features.broken();
        }

        @Override
        public void close() {
            features.close();
        }
    }

    /**
     * Lets go of the reference this model was created with, for a model never handed to the {@link ModelHolder}
     * (e.g. one that failed its warm-up): it closes now, or after its last call.
     */
    public void retire() {
        release();
    }

    /** Counts a call in; false when the model is already being retired. */
    boolean acquire() {
        while (true) {
            int count = references.get();
            if (count == 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Counts a call (or the holder's own reference) out, closing the model after the last one. */
    void release() {
        if (references.decrementAndGet() == 0) {
            scorer.close();
        }
    }
}
