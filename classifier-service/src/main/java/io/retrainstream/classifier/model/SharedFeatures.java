package io.retrainstream.classifier.model;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.tf.ImageFeatures;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded CNN shared by every model version that runs on it, so that swapping in a new head does not load, warm
 * and hold a second copy of the CNN. Each model holds a {@link #lease()}; the CNN is closed once it is retired and
 * the last lease is closed.
 */
public final class SharedFeatures {

    private final String key;
    private final ImageFeatures features;
    /** Leases plus one while the cache keeps it. */
    private final AtomicInteger users = new AtomicInteger(1);

    private final AtomicBoolean warm = new AtomicBoolean();

    /** @param key what the CNN was loaded from; a model needing another key needs another instance */
    public SharedFeatures(String key, ImageFeatures features) {
        this.key = key;
        this.features = features;
    }

    public String key() {
        return key;
    }

    /** Whether its CNN can compute each image's mirror too ({@link ImageFeatures#mirrors()}). */
    public boolean mirrors() {
        return features.mirrors();
    }

    /** Runs every batch size once, the first time only. */
    public void warmUp() {
        if (warm.compareAndSet(false, true)) {
            features.warmUp();
        }
    }

    /** A handle for one model; closing it releases the model's share. */
    public ImageFeatures lease() {
        users.incrementAndGet();
        return new Lease();
    }

    /** The cache lets go of it: it closes after its last lease. */
    public void retire() {
        release();
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            features.close();
        }
    }

    private final class Lease implements ImageFeatures {
        private final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public Architecture architecture() {
            return features.architecture();
        }

        @Override
        public int maxBatch() {
            return features.maxBatch();
        }

        @Override
        public boolean mirrors() {
            return features.mirrors();
        }

        @Override
        public List<Features> extract(List<byte[]> images) {
            return features.extract(images);
        }

        @Override
        public CompletableFuture<List<Features>> extractAsync(List<byte[]> images) {
            return features.extractAsync(images);
        }

        @Override
        public Features extract(byte[] image) {
            return features.extract(image);
        }

        @Override
        public List<float[]> extract(List<byte[]> images, FeatureLayer layer) {
            return features.extract(images, layer);
        }

        @Override
        public CompletableFuture<List<float[]>> extractAsync(List<byte[]> images, FeatureLayer layer) {
            return features.extractAsync(images, layer);
        }

        @Override
        public java.util.Optional<String> broken() {
            return features.broken();
        }

        @Override
        public Set<String> devices() {
            return features.devices();
        }

        @Override
        public void warmUp() {
            SharedFeatures.this.warmUp();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release();
            }
        }
    }
}
