package io.retrainstream.classifier.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Channels;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Every classifier instance reads all of {@code models} (its own consumer group, from the start, committing
 * nothing), so a new instance serves the newest model and every instance sees every new one. Only the newest model
 * of each poll is built. Malformed events are logged and skipped.
 */
@ApplicationScoped
public class ModelConsumer {

    private final ModelService models;

    public ModelConsumer(ModelService models) {
        this.models = models;
    }

    @Incoming(Channels.MODELS_IN)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        List<ModelPublished> decoded = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                decoded.add(ModelPublished.decode(record.value()));
            } catch (MalformedEventException | IllegalArgumentException e) {
                Log.warnf(
                        "Skipping malformed model event %s (%s-%d@%d): %s",
                        record.key(), record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
        models.offer(decoded);
    }
}
