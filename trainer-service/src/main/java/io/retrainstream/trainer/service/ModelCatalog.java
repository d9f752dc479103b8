package io.retrainstream.trainer.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import io.quarkus.logging.Log;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPinned;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Channels;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The published model versions and the pointer classifiers follow: read from the compacted {@code models} and
 * {@code models.current} topics on each request, so every trainer instance answers the same.
 */
@ApplicationScoped
public class ModelCatalog {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** One published version, without its weights. */
    public record VersionSummary(long version, String architecture, String feature, List<String> labels,
            ModelMetrics metrics, long publishedAt) {
    }

    /**
     * @param serving  the version classifiers serve now: the pinned one, else the newest
     * @param pinned   the pinned version, or null when classifiers follow the newest
     * @param versions every published version, newest first
     */
    public record Catalog(Long serving, Long pinned, List<VersionSummary> versions) {
    }

    private final String bootstrapServers;
    private final MutinyEmitter<byte[]> pointer;
    private final ModelVersions versions;

    public ModelCatalog(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @Channel(Channels.MODEL_POINTER_OUT) MutinyEmitter<byte[]> pointer, ModelVersions versions) {
        this.bootstrapServers = bootstrapServers;
        this.pointer = pointer;
        this.versions = versions;
    }

    public Catalog catalog() {
        List<VersionSummary> versions = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(bootstrapServers, Topics.MODELS, TIMEOUT)) {
            try {
                ModelPublished model = ModelPublished.decode(record.value());
                versions.removeIf(v -> v.version() == model.version());
                versions.add(new VersionSummary(model.version(), model.architecture(), model.feature(),
                        model.labels(), model.metrics(), model.publishedAt()));
            } catch (MalformedEventException e) {
                Log.debugf("Not listing malformed model event %s: %s", record.key(), e.getMessage());
            }
        }
        versions.sort(Comparator.comparingLong(VersionSummary::version).reversed());
        Long pinned = readPinned(bootstrapServers).orElse(null);
        Long serving = pinned != null ? pinned : versions.isEmpty() ? null : versions.get(0).version();
        return new Catalog(serving, pinned, versions);
    }

    /** The pinned version on {@code models.current}, read to its end; empty when classifiers follow the newest. */
    static Optional<Long> readPinned(String bootstrapServers) {
        Long pinned = null;
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(bootstrapServers, Topics.MODEL_POINTER,
                TIMEOUT)) {
            try {
                pinned = ModelPinned.decode(record.value()).pinnedVersion();
            } catch (MalformedEventException e) {
                Log.warnf("Ignoring malformed model pointer event: %s", e.getMessage());
            }
        }
        return Optional.ofNullable(pinned);
    }

    /** Pins a published version (a rollback); refuses a version that was never published. */
    public Catalog pin(long version) {
        if (catalog().versions().stream().noneMatch(v -> v.version() == version)) {
            throw new IllegalArgumentException("No model version " + version + " was published; see GET /models");
        }
        send(new ModelPinned(version, System.currentTimeMillis()));
        versions.pinned(version);
        Log.infof("Pinned model version %d: classifiers serve it until unpinned", version);
        return catalog();
    }

    /** Classifiers follow the newest version again. */
    public Catalog unpin() {
        send(new ModelPinned(null, System.currentTimeMillis()));
        versions.pinned(null);
        Log.info("Unpinned: classifiers follow the newest model version");
        return catalog();
    }

    private void send(ModelPinned event) {
        pointer.sendMessage(Message.of(event.encode(), Metadata.of(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(Topics.POINTER_KEY).build())))
                .await().atMost(TIMEOUT);
    }
}
