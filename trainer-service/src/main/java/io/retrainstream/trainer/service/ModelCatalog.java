package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.ServingRule;
import io.retrainstream.trainer.messaging.ModelPointer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The published model versions and the pointer classifiers follow: read from the compacted {@code models} and
 * {@code models.current} topics on each request, so every trainer instance answers the same.
 */
@ApplicationScoped
public class ModelCatalog {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * One published version, without its weights.
     *
     * @param views the views of a photo its head answers the mean over
     */
    public record VersionSummary(
            long version,
            String architecture,
            String feature,
            List<String> views,
            List<String> labels,
            ModelMetrics metrics,
            long publishedAt) {}

    /**
     * @param serving  the version classifiers serve now ({@link ServingRule}): the pinned one when it was published,
     *                 else the newest
     * @param pinned   the pinned version, or null when classifiers follow the newest; a pin on a version never
     *                 published (dangling) is listed here while {@code serving} names the newest
     * @param versions every published version, newest first
     */
    public record Catalog(Long serving, Long pinned, List<VersionSummary> versions) {}

    private final KafkaClients clients;
    private final ModelPointer pointer;
    private final ModelVersions versions;

    public ModelCatalog(KafkaClients clients, ModelPointer pointer, ModelVersions versions) {
        this.clients = clients;
        this.pointer = pointer;
        this.versions = versions;
    }

    public Catalog catalog() {
        List<VersionSummary> versions = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(clients, Topics.MODELS, TIMEOUT)) {
            try {
                ModelPublished model = ModelPublished.decode(record.value());
                versions.removeIf(v -> v.version() == model.version());
                versions.add(new VersionSummary(
                        model.version(),
                        model.architecture(),
                        model.feature(),
                        model.views(),
                        model.labels(),
                        model.metrics(),
                        model.publishedAt()));
            } catch (MalformedEventException e) {
                Log.debugf("Not listing malformed model event %s: %s", record.key(), e.getMessage());
            }
        }
        versions.sort(Comparator.comparingLong(VersionSummary::version).reversed());
        Long pinned = pointer.read().orElse(null);
        List<Long> published = versions.stream().map(VersionSummary::version).toList();
        if (ServingRule.dangling(published, pinned)) {
            Log.warnf("Pinned version %d has not been published; classifiers serve the newest", pinned);
        }
        return new Catalog(ServingRule.serving(published, pinned).orElse(null), pinned, versions);
    }

    /** Pins a published version (a rollback); refuses a version that was never published. */
    public Catalog pin(long version) {
        if (catalog().versions().stream().noneMatch(v -> v.version() == version)) {
            throw new IllegalArgumentException("No model version " + version + " was published; see GET /models");
        }
        pointer.send(version);
        versions.pinned(version);
        Log.infof("Pinned model version %d: classifiers serve it until unpinned", version);
        return catalog();
    }

    /** Classifiers follow the newest version again. */
    public Catalog unpin() {
        pointer.send(null);
        versions.pinned(null);
        Log.info("Unpinned: classifiers follow the newest model version");
        return catalog();
    }
}
