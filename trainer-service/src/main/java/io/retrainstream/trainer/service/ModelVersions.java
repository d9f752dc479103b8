package io.retrainstream.trainer.service;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;

/**
 * Model versions that keep increasing across trainer restarts: the newest version on {@code models} is read once,
 * before the first new version is handed out.
 */
@ApplicationScoped
public class ModelVersions {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private boolean loaded;
    private long latest;
    private String latestFingerprint;

    public ModelVersions(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The next version; every call returns a larger one. */
    public synchronized long next() {
        load();
        return ++latest;
    }

    /** Records a version this trainer published. */
    public synchronized void published(long version, String fingerprint) {
        latest = Math.max(latest, version);
        latestFingerprint = fingerprint;
    }

    /** The dataset fingerprint of the newest model, or null when there is none. */
    public synchronized String latestFingerprint() {
        load();
        return latestFingerprint;
    }

    private void load() {
        if (loaded) {
            return;
        }
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(bootstrapServers, Topics.MODELS,
                READ_TIMEOUT)) {
            try {
                ModelPublished model = ModelPublished.decode(record.value());
                if (model.version() >= latest) {
                    latest = model.version();
                    latestFingerprint = model.metrics() == null ? null : model.metrics().datasetFingerprint();
                }
            } catch (MalformedEventException e) {
                Log.warnf("Ignoring malformed model event %s: %s", record.key(), e.getMessage());
            }
        }
        loaded = true;
        Log.infof("Newest published model version: %d", latest);
    }
}
