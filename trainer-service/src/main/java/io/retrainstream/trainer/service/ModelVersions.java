package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.common.model.ServingRule;
import io.retrainstream.trainer.messaging.ModelPointer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The published models as this trainer knows them: read once from {@code models} and {@code models.current} before
 * first use, then kept up to date with what this trainer publishes and pins. Versions keep increasing across
 * restarts; {@link #serving()} is the model classifiers serve, which continuous runs warm-start from and the
 * promotion gate compares with.
 */
@ApplicationScoped
public class ModelVersions {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaClients clients;
    private final ModelPointer pointer;
    private final TreeMap<Long, ModelPublished> models = new TreeMap<>();
    private boolean loaded;
    private long latest;
    private Long pinned;

    public ModelVersions(KafkaClients clients, ModelPointer pointer) {
        this.clients = clients;
        this.pointer = pointer;
    }

    /** The next version; every call returns a larger one. */
    public synchronized long next() {
        load();
        return ++latest;
    }

    /** Records a model this trainer published. */
    public synchronized void published(ModelPublished model) {
        load();
        latest = Math.max(latest, model.version());
        models.put(model.version(), model);
    }

    /** Records a pin ({@code null}: follow the newest) this trainer sent. */
    public synchronized void pinned(Long version) {
        load();
        pinned = version;
    }

    /** The newest published model. */
    public synchronized Optional<ModelPublished> newest() {
        load();
        return models.isEmpty()
                ? Optional.empty()
                : Optional.of(models.lastEntry().getValue());
    }

    /** The model classifiers serve ({@link ServingRule}): the pinned version when it was published, else the newest. */
    public synchronized Optional<ModelPublished> serving() {
        load();
        return ServingRule.serving(models.keySet(), pinned).map(models::get);
    }

    /** The dataset fingerprint of the newest model, or null when there is none. */
    public synchronized String latestFingerprint() {
        return newest().map(m -> m.metrics() == null ? null : m.metrics().datasetFingerprint())
                .orElse(null);
    }

    /** Epoch ms of the newest training image event any published model learned from (0: none). */
    public synchronized long learnedThrough() {
        load();
        return models.values().stream()
                .mapToLong(m -> m.metrics() == null ? 0 : m.metrics().learnedThrough())
                .max()
                .orElse(0);
    }

    private void load() {
        if (loaded) {
            return;
        }
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(clients, Topics.MODELS, READ_TIMEOUT)) {
            try {
                ModelPublished model = ModelPublished.decode(record.value());
                models.put(model.version(), model);
                latest = Math.max(latest, model.version());
            } catch (MalformedEventException e) {
                Log.warnf("Ignoring malformed model event %s: %s", record.key(), e.getMessage());
            }
        }
        pinned = pointer.read().orElse(null);
        loaded = true;
        Log.infof("Newest published model version: %d%s", latest, pinned == null ? "" : ", pinned: " + pinned);
    }
}
