package io.retrainstream.trainer.service;

import io.quarkus.logging.Log;
import io.retrainstream.common.kafka.ExtractionProgress;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.trainer.config.TrainerConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How busy the extractor is, for automatic runs that yield to it: the photos on {@code images} its consumer group
 * ({@code trainer.extraction-wait.group}) has not consumed yet, from Kafka's offsets. Asked only when a run is due, by
 * one thread at a time ({@link RunTrigger}).
 */
@ApplicationScoped
public class ExtractorLoad {

    private final KafkaClients clients;
    private final String group;
    private ExtractionProgress progress;

    public ExtractorLoad(TrainerConfig config, KafkaClients clients) {
        this.clients = clients;
        this.group = config.extractionWait().group();
    }

    /** Photos waiting for the extractor now; 0 when Kafka cannot tell (a run is better than none). */
    synchronized long backlog() {
        try {
            if (progress == null) {
                progress = new ExtractionProgress(clients, group);
            }
            return progress.backlog();
        } catch (RuntimeException e) {
            Log.debugf("Cannot read the extractor's backlog, not yielding to it: %s", e.getMessage());
            close();
            return 0;
        }
    }

    @PreDestroy
    synchronized void close() {
        if (progress != null) {
            progress.close();
            progress = null;
        }
    }
}
