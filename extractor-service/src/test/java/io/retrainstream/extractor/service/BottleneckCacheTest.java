package io.retrainstream.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Features;
import org.junit.jupiter.api.Test;

class BottleneckCacheTest {

    /** mobilenet_0.50's two layers: 1001 + 512 floats. */
    private static Features wide(float marker) {
        float[] bottleneck = new float[1001];
        bottleneck[0] = marker;
        return new Features(bottleneck, new float[512]);
    }

    /** mobilenet_0.25_128's logits only, a third of the bytes. */
    private static Features narrow(float marker) {
        float[] bottleneck = new float[1001];
        bottleneck[0] = marker;
        return new Features(bottleneck, new float[0]);
    }

    private static String hash(int i) {
        return String.format("%064x", i);
    }

    @Test
    void keepsAsManyEntriesAsTheirBytesAllowAndEvictsTheLeastRecentlyUsed() {
        long wideCost = BottleneckCache.cost(hash(0), wide(0));
        BottleneckCache cache = new BottleneckCache(10 * wideCost);
        for (int i = 0; i < 10; i++) {
            cache.put(hash(i), wide(i));
        }
        assertThat(cache.size()).isEqualTo(10);
        assertThat(cache.bytes()).isEqualTo(10 * wideCost);
        // used: 0 is now the most recent, so 1 goes first
        assertThat(cache.get(hash(0))).isPresent();
        cache.put(hash(10), wide(10));
        assertThat(cache.size()).isEqualTo(10);
        assertThat(cache.get(hash(1))).isEmpty();
        assertThat(cache.get(hash(0)).orElseThrow().bottleneck()[0]).isEqualTo(0f);
        assertThat(cache.get(hash(10)).orElseThrow().bottleneck()[0]).isEqualTo(10f);
        assertThat(cache.bytes()).isLessThanOrEqualTo(10 * wideCost);
    }

    @Test
    void theBoundIsInBytesSoNarrowerVectorsFitMoreOfThem() {
        long capacity = 10 * BottleneckCache.cost(hash(0), wide(0));
        BottleneckCache cache = new BottleneckCache(capacity);
        for (int i = 0; i < 100; i++) {
            cache.put(hash(i), narrow(i));
        }
        long narrowCost = BottleneckCache.cost(hash(0), narrow(0));
        assertThat(cache.size()).isEqualTo((int) (capacity / narrowCost)).isGreaterThan(10);
        assertThat(cache.bytes()).isEqualTo(cache.size() * narrowCost).isLessThanOrEqualTo(capacity);
        // one wide entry evicts as many narrow ones as it needs, the oldest first
        cache.put(hash(1000), wide(1000));
        assertThat(cache.bytes()).isLessThanOrEqualTo(capacity);
        assertThat(cache.get(hash(1000))).isPresent();
        assertThat(cache.get(hash(99))).isPresent();
        assertThat(cache.get(hash(100 - (int) (capacity / narrowCost)))).isEmpty();
    }

    @Test
    void replacingAnEntryCountsItsBytesOnceAndAnEntryLargerThanTheBoundIsNotKept() {
        long wideCost = BottleneckCache.cost(hash(0), wide(0));
        BottleneckCache cache = new BottleneckCache(3 * wideCost);
        cache.put(hash(0), wide(0));
        cache.put(hash(0), wide(1));
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(wideCost);
        assertThat(cache.get(hash(0)).orElseThrow().bottleneck()[0]).isEqualTo(1f);

        BottleneckCache none = new BottleneckCache(wideCost - 1);
        none.put(hash(0), wide(0));
        assertThat(none.size()).isZero();
        assertThat(none.bytes()).isZero();
        assertThatThrownBy(() -> new BottleneckCache(-1)).hasMessageContaining("retrain.extractor.cache-bytes");
    }
}
