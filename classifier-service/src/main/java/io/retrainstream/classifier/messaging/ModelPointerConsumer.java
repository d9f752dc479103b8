package io.retrainstream.classifier.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.classifier.service.ModelService;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelPinned;
import io.retrainstream.common.kafka.Channels;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Follows {@code models.current} from its start: the last pointer of each poll decides what is served. */
@ApplicationScoped
public class ModelPointerConsumer {

    private final ModelService models;

    public ModelPointerConsumer(ModelService models) {
        this.models = models;
    }

    @Incoming(Channels.MODEL_POINTER_IN)
    @Blocking
    public void consume(ConsumerRecords<String, byte[]> records) {
        ModelPinned latest = null;
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                latest = ModelPinned.decode(record.value());
            } catch (MalformedEventException e) {
                Log.warnf(
                        "Skipping malformed model pointer event (%s-%d@%d): %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
        if (latest != null) {
            models.pin(latest.pinnedVersion());
        }
    }
}
