package io.retrainstream.extractor.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.common.Concurrency;
import io.retrainstream.common.kafka.Channels;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.extractor.service.ExtractionService;
import io.retrainstream.extractor.service.ExtractionService.Outcome;
import io.retrainstream.extractor.service.RawImage;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Consumes image events in batches (one Kafka poll at a time), emits one bottleneck event per usable image and sends
 * every unusable record, unchanged and with the reason in a header, to the dead-letter topic. The batch is
 * acknowledged only once all its output is on Kafka, so nothing is lost if the service stops half way. Two batches
 * are in flight: while one is on the CNN or being sent, the next is checked and queued behind it, so the CNN's
 * runners do not wait for Kafka between batches; the batch after that waits for the first's acknowledgement.
 */
@ApplicationScoped
public class ImageConsumer {

    private static final String SERVICE = "extractor-service";
    private static final Duration SEND_TIMEOUT = Duration.ofMinutes(2);

    private final ExtractionService extraction;
    private final MutinyEmitter<byte[]> bottlenecks;
    private final MutinyEmitter<byte[]> deadLetters;
    /** The previous batch's acknowledgement, which the next invocation returns (and so waits for). */
    private final AtomicReference<CompletableFuture<Void>> inFlight =
            new AtomicReference<>(CompletableFuture.completedFuture(null));
    /** When the previous batch's records were handed to the producer. Only the consuming thread replaces it. */
    private volatile CompletableFuture<Void> lastIssued = CompletableFuture.completedFuture(null);

    public ImageConsumer(
            ExtractionService extraction,
            @Channel(Channels.BOTTLENECKS_OUT) MutinyEmitter<byte[]> bottlenecks,
            @Channel(Channels.IMAGES_DLQ_OUT) MutinyEmitter<byte[]> deadLetters) {
        this.extraction = extraction;
        this.bottlenecks = bottlenecks;
        this.deadLetters = deadLetters;
    }

    @Incoming(Channels.IMAGES_IN)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> message) {
        @SuppressWarnings("unchecked")
        ConsumerRecords<String, byte[]> records = message.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow()
                .getRecords();
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
        List<RawImage> raws = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            batch.add(record);
            raws.add(new RawImage(
                    record.key(),
                    record.value(),
                    header(record.headers(), Topics.LABEL),
                    header(record.headers(), Topics.FILENAME),
                    record.timestamp()));
        }
        CompletableFuture<List<Outcome>> outcomes = extraction.process(raws);
        // This batch's sends are handed to the producer after the previous batch's, so records keep their order.
        CompletableFuture<List<CompletableFuture<Void>>> issued = lastIssued
                .handle((ignored, failure) -> null)
                .thenCombine(outcomes, (ignored, done) -> send(batch, done));
        lastIssued = issued.thenApply(sends -> null);
        // Acknowledged when Kafka has all the batch's output. Meanwhile the next batch is checked and queued for the
        // CNN behind this one; the batch after it waits for this acknowledgement.
        CompletableFuture<Void> sent =
                issued.thenCompose(sends -> CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                        .orTimeout(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        CompletableFuture<Void> acknowledged = sent.handle(
                        (ok, failure) -> failure == null ? message.ack() : message.nack(Concurrency.cause(failure)))
                .thenCompose(done -> done)
                .toCompletableFuture();
        return inFlight.getAndSet(acknowledged);
    }

    /** Hands one bottleneck or dead letter per record to the producer, in record order. */
    private List<CompletableFuture<Void>> send(List<ConsumerRecord<String, byte[]>> batch, List<Outcome> outcomes) {
        List<CompletableFuture<Void>> sends = new ArrayList<>(outcomes.size());
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            ConsumerRecord<String, byte[]> record = batch.get(i);
            Uni<Void> send;
            if (outcome.rejected()) {
                send = deadLetters.sendMessage(deadLetter(record, outcome.rejection()));
            } else {
                var bottleneck = outcome.bottleneck();
                send = bottlenecks.sendMessage(Message.of(
                        bottleneck.encode(),
                        Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(bottleneck.imageId())
                                .build())));
            }
            sends.add(send.subscribeAsCompletionStage());
        }
        Log.debugf("Processed %d image events", outcomes.size());
        return sends;
    }

    private static Message<byte[]> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(Topics.DLQ_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.DLQ_SERVICE, SERVICE.getBytes(StandardCharsets.UTF_8));
        headers.add(
                "dlq-source",
                (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        byte[] value = record.value() == null ? new byte[0] : record.value();
        return Message.of(
                value,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(record.key())
                        .withHeaders(headers)
                        .build()));
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
