package io.retrainstream.trainer.messaging;

import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.Channels;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/** Publishes each trained model on {@code models}, keyed by its version, and waits until Kafka has it. */
@ApplicationScoped
public class ModelPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(2);

    private final MutinyEmitter<byte[]> models;

    public ModelPublisher(@Channel(Channels.MODELS_OUT) MutinyEmitter<byte[]> models) {
        this.models = models;
    }

    public void publish(ModelPublished model) {
        models.sendMessage(Message.of(
                        model.encode(),
                        Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(model.key())
                                .build())))
                .await()
                .atMost(SEND_TIMEOUT);
    }
}
