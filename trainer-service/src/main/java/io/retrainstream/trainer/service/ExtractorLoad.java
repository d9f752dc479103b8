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

    /** How long a backlog above zero is taken as still there: a burst is not asked about five times a second. */
    private static final long BUSY_RECHECK_NANOS = 500_000_000L;

    private final KafkaClients clients;
    private final String group;
    private ExtractionProgress progress;
    /** The last backlog above zero and when it was read (nanos). */
    private long lastBacklog;

    private long lastReadNanos;

    public ExtractorLoad(TrainerConfig config, KafkaClients clients) {
        this.clients = clients;
        this.group = config.extractionWait().group();
    }

    /**
     * Photos waiting for the extractor now, exact when above {@code enough} (a steady stream is judged from offsets
     * alone, see {@link ExtractionProgress#backlog(long)}); 0 when Kafka cannot tell (a run is better than none).
     */
    synchronized long backlog(long enough) {
        long now = System.nanoTime();
        if (lastBacklog > 0 && now - lastReadNanos < BUSY_RECHECK_NANOS) {
            return lastBacklog;
        }
        try {
            if (progress == null) {
                progress = new ExtractionProgress(clients, group);
            }
            lastBacklog = progress.backlog(enough);
            lastReadNanos = now;
            return lastBacklog;
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
