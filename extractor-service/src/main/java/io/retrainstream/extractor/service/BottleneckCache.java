package io.retrainstream.extractor.service;

import io.retrainstream.common.model.Features;
import io.retrainstream.extractor.config.ExtractorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Bottlenecks by image content hash (one architecture per service), least recently used evicted first. */
@ApplicationScoped
public class BottleneckCache {

    private final Map<String, Features> vectors;

    public BottleneckCache(ExtractorConfig config) {
        int capacity = config.extractor().cacheSize();
        vectors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Features> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized Optional<Features> get(String contentHash) {
        return Optional.ofNullable(vectors.get(contentHash));
    }

    public synchronized void put(String contentHash, Features features) {
        vectors.put(contentHash, features);
    }

    public synchronized int size() {
        return vectors.size();
    }
}
