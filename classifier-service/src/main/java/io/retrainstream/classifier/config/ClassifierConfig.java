package io.retrainstream.classifier.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the classifier. */
@ConfigMapping(prefix = "retrain")
public interface ClassifierConfig {

    /** A folder in {@code retrain.py}'s download layout to read the CNN graphs from; otherwise the user's model cache. */
    Optional<Path> modelDir();

    /** The model cache: downloaded archives are unpacked here and looked up after {@code model-dir}. */
    Optional<Path> modelCache();

    /** Download a graph that is in neither {@code model-dir} nor the cache from its public URL into the cache. */
    @WithDefault("true")
    boolean download();

    /**
     * The most pixels an image may have, read from its header before any decode (a GIF's frames count too); larger
     * images get 413 naming the size and this limit. The default admits 50-megapixel phone photos.
     */
    @WithDefault("64000000")
    long maxImagePixels();

    /**
     * The CNN to load and warm up at start, before the first model arrives ({@code RETRAIN_ARCHITECTURE}, which
     * {@code ./retrain up} gives every service), so that the first model is served without waiting seconds for its
     * CNN; unset: the CNN is loaded with the first model. A model on another CNN still loads its own.
     */
    Optional<String> architecture();

    /**
     * The views of a photo the models are expected to average over ({@code RETRAIN_VIEWS}, the same setting as the
     * extractor's and the trainer's): {@code original}, or {@code original,mirror} to preload the configured CNN with
     * its mirror copy, so that the first mirrored model is served at once. Each model is served with the views it was
     * trained with, whatever this says.
     */
    @WithDefault("original")
    String views();

    /** The SavedModel feature-vector module that models with a {@code savedmodel:} architecture were trained on. */
    Optional<Path> savedModel();

    /** Classification settings. */
    Classifier classifier();

    interface Classifier {
        /** Predictions returned when the request gives no {@code top_k}. */
        @WithDefault("5")
        int defaultTopK();

        /**
         * The lowest top score (0 to 1) a {@code /classify} answer names a class for: below it the answer's
         * {@code label} is {@code unknown}, with the best guess alongside; a request's {@code min_score} overrides it.
         * Unset: every answer names its top class.
         */
        Optional<Double> minScore();

        /**
         * Most concurrent requests classified together: one batch, shared among the {@code parallel-runs} CNN runs
         * that go at once (each of up to {@code max-batch / parallel-runs} images).
         */
        @WithDefault("16")
        int maxBatch();

        /**
         * CNN runs at once, each op on one thread, and batches in flight; 0 means one per core. 1 runs one batch at a
         * time with each op over all cores (TensorFlow's default).
         */
        @WithDefault("0")
        int parallelRuns();

        /** How long a batch waits for more requests once it has one; 0 batches only requests already queued. */
        @WithDefault("0ms")
        Duration batchWait();

        /** Most requests waiting or being classified; past it a request gets 503 with {@code Retry-After} at once. */
        @WithDefault("256")
        int maxQueued();

        /**
         * Most image bytes waiting or being classified; past it a request gets 503 with {@code Retry-After} at once.
         */
        @WithDefault("67108864")
        long maxQueuedBytes();

        /** A request waiting longer than this for its turn fails with 503. */
        @WithDefault("30s")
        Duration requestTimeout();

        /**
         * Bytes of heads (weights and biases) kept loaded for versions other than the served one, which requests can
         * address by version; past it the least recently used are unloaded (and loaded again when asked for). Versions
         * share the served CNN, so a version costs only its head.
         */
        @WithDefault("67108864")
        long versionHeadsMaxBytes();

        /** The model's name in the TensorFlow Serving ({@code /v1/models/NAME}) and KServe v2 APIs. */
        @WithDefault("retrain")
        String modelName();
    }
}
