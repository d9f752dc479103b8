package io.retrainstream.classifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.tf.ImageFeatures;
import org.junit.jupiter.api.Test;

/** The cache owns the CNN: it closes one that fails to warm up, an old one once replaced, and the last at shutdown. */
class FeatureCacheTest {

    @Test
    void aCnnThatFailsToWarmUpIsClosedAndTheCachedOneStays() {
        FeatureCache cache = new FeatureCache();
        CountingFeatures good = new CountingFeatures(false, false);
        cache.lease("a", () -> good).close();
        CountingFeatures failing = new CountingFeatures(true, false);
        assertThatThrownBy(() -> cache.lease("b", () -> failing)).hasMessageContaining("warm-up failed");
        assertThat(failing.closes).hasValue(1);
        assertThat(good.closes).hasValue(0);
        cache.lease("a", () -> {
                    throw new AssertionError("the cached CNN is reused");
                })
                .close();
        assertThat(good.warmUps).hasValue(1);
    }

    @Test
    void aReplacedCnnClosesAfterItsLastLease() {
        FeatureCache cache = new FeatureCache();
        CountingFeatures first = new CountingFeatures(false, false);
        ImageFeatures lease = cache.lease("a", () -> first);
        CountingFeatures second = new CountingFeatures(false, false);
        cache.lease("b", () -> second).close();
        assertThat(first.closes).hasValue(0);
        lease.close();
        assertThat(first.closes).hasValue(1);
        assertThat(second.closes).hasValue(0);
    }

    @Test
    void shutdownClosesTheCurrentCnn() {
        FeatureCache cache = new FeatureCache();
        CountingFeatures cnn = new CountingFeatures(false, false);
        ModelHolder holder = new ModelHolder();
        holder.swap(new ServingModel(CountingFeatures.model(1), cache.lease("a", () -> cnn)));
        // shutdown, in either order of the two beans
        cache.close();
        assertThat(cnn.closes).hasValue(0);
        holder.close();
        assertThat(cnn.closes).hasValue(1);
    }
}
