package io.retrainstream.trainer.messaging;

import io.quarkus.logging.Log;
import io.retrainstream.common.kafka.ImageRecords;
import io.retrainstream.common.kafka.KafkaClients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes photos uploaded to the trainer ({@code POST /images}) as ordinary image events on {@code images}, the
 * same records as {@code ./retrain publish} ({@link ImageRecords}), and waits until Kafka has them all.
 */
@ApplicationScoped
public class ImagePublisher {

    /** How long a send may wait for the broker, and how long a request waits for all its acknowledgements. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** One photo to publish: its class (checked), its file name (cleaned) and its bytes (checked). */
    public record Photo(String label, String fileName, byte[] bytes) {}

    private final KafkaClients clients;

    /** Guarded by {@code this}; created at the first upload, so a trainer nobody uploads to opens no producer. */
    private KafkaProducer<String, byte[]> producer;

    public ImagePublisher(KafkaClients clients) {
        this.clients = clients;
    }

    /**
     * Sends every photo and waits until Kafka has acknowledged each; returns the image ids in order.
     *
     * @throws IllegalStateException saying what failed when Kafka did not take them all in time (some may have been
     *     written: publishing them again replaces them, their ids being the same)
     */
    public List<String> publish(List<Photo> photos) {
        KafkaProducer<String, byte[]> sender = producer();
        List<Future<RecordMetadata>> sends = new ArrayList<>(photos.size());
        List<String> ids = new ArrayList<>(photos.size());
        try {
            for (Photo photo : photos) {
                sends.add(sender.send(ImageRecords.of(photo.label(), photo.fileName(), photo.bytes())));
                ids.add(ImageRecords.imageId(photo.label(), photo.fileName()));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            for (Future<RecordMetadata> send : sends) {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while publishing the photos to Kafka", e);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(
                    "Kafka at " + clients.bootstrapServers() + " did not take the photos: " + clients.explain(cause)
                            + " Check that the broker runs (./retrain status), then send them again.",
                    cause);
        }
        Log.infof(
                "Published %d uploaded photo(s) of class '%s' to 'images'",
                ids.size(), photos.get(0).label());
        return ids;
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = clients.producerProperties();
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "trainer-console-images");
            props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
