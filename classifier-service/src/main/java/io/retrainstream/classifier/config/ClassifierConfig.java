package io.retrainstream.classifier.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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

    /** The SavedModel feature-vector module that models with a {@code savedmodel:} architecture were trained on. */
    Optional<Path> savedModel();

    /** Classification settings. */
    Classifier classifier();

    interface Classifier {
        /** Predictions returned when the request gives no {@code top_k}. */
        @WithDefault("5")
        int defaultTopK();

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

        /** A request waiting longer than this for its turn fails with 503. */
        @WithDefault("30s")
        Duration requestTimeout();
    }
}
