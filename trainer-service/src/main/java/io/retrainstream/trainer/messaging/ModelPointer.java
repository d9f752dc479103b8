package io.retrainstream.trainer.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.common.event.MalformedEventException;
import io.retrainstream.common.event.ModelPinned;
import io.retrainstream.common.kafka.Channels;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicReader;
import io.retrainstream.common.kafka.Topics;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/** The pointer classifiers follow on the compacted {@code models.current}: reads it to its end, and sends pins. */
@ApplicationScoped
public class ModelPointer {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KafkaClients clients;
    private final MutinyEmitter<byte[]> pointer;

    public ModelPointer(KafkaClients clients, @Channel(Channels.MODEL_POINTER_OUT) MutinyEmitter<byte[]> pointer) {
        this.clients = clients;
        this.pointer = pointer;
    }

    /** The pinned version on {@code models.current}, read to its end; empty when classifiers follow the newest. */
    public Optional<Long> read() {
        Long pinned = null;
        for (ConsumerRecord<String, byte[]> record : TopicReader.readAll(clients, Topics.MODEL_POINTER, TIMEOUT)) {
            try {
                pinned = ModelPinned.decode(record.value()).pinnedVersion();
            } catch (MalformedEventException e) {
                Log.warnf("Ignoring malformed model pointer event: %s", e.getMessage());
            }
        }
        return Optional.ofNullable(pinned);
    }

    /** Pins {@code version} ({@code null}: follow the newest) and waits until Kafka has it. */
    public void send(Long version) {
        ModelPinned event = new ModelPinned(version, System.currentTimeMillis());
        pointer.sendMessage(Message.of(
                        event.encode(),
                        Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(Topics.POINTER_KEY)
                                .build())))
                .await()
                .atMost(TIMEOUT);
    }
}
