package io.retrainstream.classifier.model;

import io.retrainstream.common.tf.ImageFeatures;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;

/**
 * Owns the CNN (or module) the newest loaded model runs on, kept for the next version on the same one: builds and
 * warms a new CNN off to the side, closes it when building or warming fails, retires the old one once a new one is
 * warm, and retires the current one at shutdown (each closes after its last {@link SharedFeatures#lease()}).
 *
 * <p>One CNN per graph, whatever the views: a CNN built with the mirror ({@link ImageFeatures#mirrors()}) also serves
 * models that read the photo alone, which fetch only their layer and so never run its mirror copy. A model that needs
 * the mirror on a CNN built without it gets a new one, which then replaces it. So versions with and without the mirror
 * (a rollback, a request naming an older version) share one CNN instead of holding two or loading them in turn.
 */
@ApplicationScoped
public class FeatureCache {

    private SharedFeatures shared;

    /**
     * A lease on the CNN loaded from {@code source}: the cached one when it is the same, else a new one, built by
     * {@code load} and warmed here, before any swap.
     */
    public synchronized ImageFeatures lease(String source, Supplier<ImageFeatures> load) {
        return lease(source, false, load);
    }

    /**
     * A lease on the CNN loaded from {@code source}, one that {@linkplain ImageFeatures#mirrors() computes the mirror}
     * when {@code mirror}: the cached one when it fits, else a new one, built by {@code load} and warmed here.
     */
    public synchronized ImageFeatures lease(String source, boolean mirror, Supplier<ImageFeatures> load) {
        if (shared == null || !shared.key().equals(source) || (mirror && !shared.mirrors())) {
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
        return preload(source, false, load);
    }

    /** {@link #preload(String, Supplier)} of a CNN that computes the mirror too when {@code mirror}. */
    public synchronized boolean preload(String source, boolean mirror, Supplier<ImageFeatures> load) {
        if (shared != null) {
            return false;
        }
        lease(source, mirror, load).close();
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
