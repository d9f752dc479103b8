package io.retrainstream.common.tf;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A pretrained feature extractor run by TensorFlow: a frozen {@code retrain.py} graph ({@link FeatureExtractor}) or a
 * SavedModel image feature-vector module ({@link SavedModelFeatures}). Thread-safe; close it once.
 */
public interface ImageFeatures extends AutoCloseable {

    Architecture architecture();

    /** The largest batch one run takes. */
    int maxBatch();

    /** Whether its {@link Features} hold the pooled features of each image's left-right mirror as well. */
    default boolean mirrors() {
        return false;
    }

    /** The features of {@code images}, in order; throws {@link ImageDecodeException} when any cannot be decoded. */
    List<Features> extract(List<byte[]> images);

    /**
     * {@link #extract(List)} as a future: extractors that run batches on threads of their own queue them and return
     * at once; this default runs them now on the caller's thread.
     */
    default CompletableFuture<List<Features>> extractAsync(List<byte[]> images) {
        try {
            return CompletableFuture.completedFuture(extract(images));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    Features extract(byte[] image);

    /**
     * One layer's vectors of {@code images}, in order, computing no more of the CNN than that layer needs; throws
     * {@link ImageDecodeException} when any cannot be decoded.
     */
    default List<float[]> extract(List<byte[]> images, io.retrainstream.common.model.FeatureLayer layer) {
        return extract(images).stream().map(features -> features.of(layer)).toList();
    }

    /** {@link #extract(List, io.retrainstream.common.model.FeatureLayer)} as a future, like {@link #extractAsync}. */
    default CompletableFuture<List<float[]>> extractAsync(
            List<byte[]> images, io.retrainstream.common.model.FeatureLayer layer) {
        try {
            return CompletableFuture.completedFuture(extract(images, layer));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The devices a batch of one runs on, e.g. {@code [CPU:0]}; empty when not known. */
    default java.util.Set<String> devices() {
        return java.util.Set.of();
    }

    /**
     * Why this extractor can no longer work (a runner thread lost), for a liveness check; empty while it can. A
     * failed run does not break it: it fails only its own images.
     */
    default java.util.Optional<String> broken() {
        return java.util.Optional.empty();
    }

    /** Runs every batch size once, so that no real batch pays for TensorFlow's first-run graph optimisation. */
    void warmUp();

    @Override
    void close();
}
