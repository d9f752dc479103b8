package io.retrainstream.extractor.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.retrainstream.common.model.Features;
import io.retrainstream.extractor.config.ExtractorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bottlenecks by image content hash (one architecture per service), bounded by the bytes they take
 * ({@code retrain.extractor.cache-bytes}), not by their number: a wider CNN's vectors take more of it. The least
 * recently used go first; {@code extractor_cache_bytes} and {@code extractor_cache_entries} say what it holds.
 */
@ApplicationScoped
public class BottleneckCache {

    /** What an entry costs besides its floats: the hash as a String, the map entry, the arrays' headers. */
    static final long ENTRY_OVERHEAD_BYTES = 200;

    private final long capacityBytes;
    private final LinkedHashMap<String, Features> vectors = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    @Inject
    public BottleneckCache(ExtractorConfig config, MeterRegistry registry) {
        this(config.extractor().cacheBytes());
        Gauge.builder("extractor.cache.bytes", this, BottleneckCache::bytes)
                .description("Bytes of bottlenecks the content cache holds")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("extractor.cache.entries", this, BottleneckCache::size)
                .description("Bottlenecks the content cache holds")
                .register(registry);
    }

    /** @param capacityBytes most bytes the entries may take (0: nothing is kept) */
    public BottleneckCache(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("retrain.extractor.cache-bytes must be 0 or more, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    public synchronized Optional<Features> get(String contentHash) {
        return Optional.ofNullable(vectors.get(contentHash));
    }

    /** Keeps {@code features}, evicting the least recently used until all fit; an entry larger than the bound is not kept. */
    public synchronized void put(String contentHash, Features features) {
        long cost = cost(contentHash, features);
        Features previous = vectors.remove(contentHash);
        if (previous != null) {
            bytes -= cost(contentHash, previous);
        }
        if (cost > capacityBytes) {
            return;
        }
        Iterator<Map.Entry<String, Features>> eldest = vectors.entrySet().iterator();
        while (bytes + cost > capacityBytes && eldest.hasNext()) {
            Map.Entry<String, Features> entry = eldest.next();
            bytes -= cost(entry.getKey(), entry.getValue());
            eldest.remove();
        }
        vectors.put(contentHash, features);
        bytes += cost;
    }

    public synchronized int size() {
        return vectors.size();
    }

    /** Bytes the entries take, as the bound counts them. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The bytes one entry takes: its floats, the hash's characters and {@link #ENTRY_OVERHEAD_BYTES}. */
    static long cost(String contentHash, Features features) {
        return 4L * (features.bottleneck().length + features.pooled().length + features.mirror().length)
                + 2L * contentHash.length()
                + ENTRY_OVERHEAD_BYTES;
    }
}
