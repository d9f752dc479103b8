package io.retrainstream.extractor.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.event.BottleneckComputed;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.Features;
import io.retrainstream.extractor.model.BottleneckModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills the content cache from the compacted {@code bottlenecks} topic on start, so that an image published again
 * after a restart is not recomputed either.
 */
@ApplicationScoped
public class CacheWarmer {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    void onStart(@Observes StartupEvent event, BottleneckModel model, BottleneckCache cache, KafkaClients clients) {
        long start = System.nanoTime();
        AtomicLong loaded = new AtomicLong();
        try {
            // record by record, keeping none: the topic may be many times the heap (6 GB for a million images)
            TopicReader.forEach(clients, Topics.BOTTLENECKS, READ_TIMEOUT, record -> {
                try {
                    BottleneckComputed bottleneck = BottleneckComputed.decode(record.value());
                    // The same CNN: events carry its name and graph hash (name@sha256:...), as this extractor writes;
                    // and the same views: with the mirror asked for, an event without it is computed again
                    int pooledSize = model.architecture().pooledSize();
                    if (bottleneck.architecture().equals(model.architectureId())
                            && bottleneck.contentHash() != null
                            && bottleneck.vector().length
                                    == model.architecture().bottleneckSize()
                            && bottleneck.pooled().length == pooledSize
                            && (!model.mirrors() || bottleneck.mirror().length == pooledSize)) {
                        Features features = model.mirrors()
                                ? bottleneck.features()
                                : new Features(bottleneck.vector(), bottleneck.pooled());
                        cache.put(bottleneck.contentHash(), features);
                        loaded.incrementAndGet();
                    }
                } catch (MalformedEventException e) {
                    Log.debugf("Not caching malformed bottleneck event %s: %s", record.key(), e.getMessage());
                }
            });
            Log.infof(
                    "Cached %d bottlenecks of %s from topic %s in %d ms",
                    loaded.get(), model.architectureId(), Topics.BOTTLENECKS, (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            Log.warnf(
                    "Could not read earlier bottlenecks (%s); images seen before a restart will be recomputed",
                    e.getMessage());
        }
    }
}
