package io.retrainstream.extractor.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.retrainstream.extractor.config.ExtractorConfig;

/** Bottlenecks by image content hash (one architecture per service), least recently used evicted first. */
@ApplicationScoped
public class BottleneckCache {

    private final Map<String, float[]> vectors;

    public BottleneckCache(ExtractorConfig config) {
        int capacity = config.extractor().cacheSize();
        vectors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized Optional<float[]> get(String contentHash) {
        return Optional.ofNullable(vectors.get(contentHash));
    }

    public synchronized void put(String contentHash, float[] vector) {
        vectors.put(contentHash, vector);
    }

    public synchronized int size() {
        return vectors.size();
    }
}
