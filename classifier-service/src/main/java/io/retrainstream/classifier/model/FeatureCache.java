package io.retrainstream.classifier.model;

import io.retrainstream.common.tf.ImageFeatures;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;

/**
 * Owns the CNN (or module) the newest loaded model runs on, kept for the next version on the same one: builds and
 * warms a new CNN off to the side, closes it when building or warming fails, retires the old one once a new one is
 * warm, and retires the current one at shutdown (each closes after its last {@link SharedFeatures#lease()}).
 */
@ApplicationScoped
public class FeatureCache {

    private SharedFeatures shared;

    /**
     * A lease on the CNN loaded from {@code source}: the cached one when it is the same, else a new one, built by
     * {@code load} and warmed here, before any swap.
     */
    public synchronized ImageFeatures lease(String source, Supplier<ImageFeatures> load) {
        if (shared == null || !shared.key().equals(source)) {
            SharedFeatures fresh = new SharedFeatures(source, load.get());
            try {
                fresh.warmUp();
            } catch (RuntimeException | Error e) {
                fresh.retire();
                throw e;
            }
            if (shared != null) {
                shared.retire();
            }
            shared = fresh;
        }
        return shared.lease();
    }

    /**
     * Builds and warms the CNN loaded from {@code source} while nothing is cached yet (at start, before the first model
     * arrives), so that the first model's load finds it; does nothing once a CNN is cached.
     *
     * @return whether it built one
     */
    public synchronized boolean preload(String source, Supplier<ImageFeatures> load) {
        if (shared != null) {
            return false;
        }
        lease(source, load).close();
        return true;
    }

    /** Lets go of the cached CNN: it closes now, or after the last model on it is closed. */
    @PreDestroy
    public synchronized void close() {
        if (shared != null) {
            shared.retire();
            shared = null;
        }
    }
}
