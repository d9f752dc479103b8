package io.retrainstream.trainer.messaging;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicTail;
import io.retrainstream.common.kafka.Topics;
import io.retrainstream.trainer.config.PublisherConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes each trained model on {@code models}, keyed by its version, in a Kafka transaction under one fixed
 * {@code transactional.id} ({@code trainer.publisher.transactional-id}), and waits until it is committed.
 *
 * <p>Exactly one trainer publishes: each trainer takes the {@code transactional.id} over when it starts, which fences
 * every earlier producer with it (a second trainer started by mistake fences the first; a restarted trainer fences
 * its zombie). A fenced trainer publishes nothing more, says so, and fails the runs that would publish; its
 * unfinished transaction is aborted, so readers ({@code read_committed}) never see its model. Before each transaction
 * the publisher also reads the newest committed version, and refuses to publish a second model under a version that is
 * already on the topic. It reads the topic once and then only what is new ({@link TopicTail}): reading all of it with
 * a new consumer before each model cost about half a second of every warm run.
 */
@ApplicationScoped
public class ModelPublisher {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaClients clients;
    private final PublisherConfig config;

    /** Guarded by {@code this}; null before the first use and after this publisher was fenced or closed. */
    private KafkaProducer<String, byte[]> producer;

    private volatile boolean fenced;

    /** Guarded by {@code this}: the reader of {@code models}, which keeps its place between publications. */
    private final TopicTail models;

    /** Guarded by {@code this}: the newest version read on {@code models} so far. */
    private long newestRead;

    public ModelPublisher(KafkaClients clients, PublisherConfig config) {
        this.clients = clients;
        this.config = config;
        this.models = new TopicTail(clients, Topics.MODELS, READ_TIMEOUT);
    }

    /**
     * Takes the {@code transactional.id} over as soon as the trainer has started, so that the newest trainer is the
     * one that publishes; in the background, so that a broker not up yet does not hold the start back.
     */
    void onStart(@Observes StartupEvent event) {
        CompletableFuture.runAsync(() -> {
            try {
                takeOver();
                prepare();
            } catch (RuntimeException e) {
                Log.warnf(
                        "Could not take over model publishing at start (%s); trying again at the first publication",
                        e.getMessage());
            }
        });
    }

    /** Becomes the publisher: fences every earlier producer with the same {@code transactional.id}. */
    public synchronized void takeOver() {
        if (fenced) {
            throw new PublisherFencedException(fencedMessage("no model"), null);
        }
        if (producer != null) {
            return;
        }
        KafkaProducer<String, byte[]> created =
                new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
        try {
            created.initTransactions();
        } catch (RuntimeException e) {
            created.close(Duration.ZERO);
            throw new IllegalStateException(
                    "Cannot become the model publisher (transactional.id '" + config.transactionalId() + "') on "
                            + clients + ": " + clients.explain(e),
                    e);
        }
        producer = created;
        Log.infof(
                "This trainer publishes the models (transactional.id '%s'): any earlier trainer with it is fenced from now on",
                config.transactionalId());
    }

    /**
     * Reads the topic's versions and its partitions once now, so that the first model does not pay for the reader's
     * start and the producer's first metadata request (its publication took 0.6 s under load, 0.3 s with this).
     */
    private synchronized void prepare() {
        if (producer != null) {
            producer.partitionsFor(Topics.MODELS);
            newestPublishedVersion();
        }
    }

    /**
     * Publishes {@code model} and waits until Kafka has committed it.
     *
     * @throws PublisherFencedException when another trainer has taken publishing over; nothing was published
     * @throws IllegalStateException when {@code model}'s version is already on the topic, or Kafka failed; nothing
     *     was published
     */
    public synchronized void publish(ModelPublished model) {
        takeOver();
        long newest = newestPublishedVersion();
        if (newest >= model.version()) {
            throw new IllegalStateException("Not publishing model version " + model.version() + ": version " + newest
                    + " is already on topic " + Topics.MODELS + ", so another trainer published while this one ran"
                    + " on an older view. Only one trainer may publish: stop the others, then restart this one so"
                    + " that it reads the topic again.");
        }
        try {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.MODELS, model.key(), model.encode()))
                    .get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            producer.commitTransaction();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(model);
            throw new IllegalStateException("Interrupted while publishing model version " + model.version(), e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (isFencing(cause)) {
                fenced(model, cause);
            }
            abort(model);
            throw new IllegalStateException(
                    "Publishing model version " + model.version() + " failed, nothing was published: "
                            + clients.explain(cause),
                    cause);
        }
    }

    private static boolean isFencing(Throwable failure) {
        return failure instanceof ProducerFencedException
                || failure instanceof InvalidProducerEpochException
                || failure instanceof TransactionalIdAuthorizationException;
    }

    /** Stops publishing for good, with the line that tells the operator what happened and what to do. */
    private void fenced(ModelPublished model, Throwable cause) {
        fenced = true;
        String message = fencedMessage("model version " + model.version());
        Log.error(message);
        closeProducer();
        throw new PublisherFencedException(message, cause);
    }

    /** Why this trainer publishes nothing any more, once another trainer fenced it. */
    public Optional<String> fencedReason() {
        return fenced
                ? Optional.of("fenced: another trainer with transactional.id '" + config.transactionalId()
                        + "' publishes the models now, so this one publishes nothing more; stop one of the two, or"
                        + " give a trainer that should publish on its own another trainer.publisher.transactional-id")
                : Optional.empty();
    }

    private String fencedMessage(String what) {
        return "This trainer was fenced: another trainer started with transactional.id '" + config.transactionalId()
                + "' and publishes the models now, so " + what + " was not published and this trainer will publish"
                + " nothing more. Only one trainer may publish: stop this one (or the other), or give a trainer that"
                + " should publish on its own another trainer.publisher.transactional-id.";
    }

    private void abort(ModelPublished model) {
        if (producer == null) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            Log.warnf("Could not abort the transaction of model version %d: %s", model.version(), e.getMessage());
            closeProducer(); // a producer in a fatal state is made anew at the next publication
        }
    }

    /** The newest version committed on {@code models}, or 0 when there is none. */
    private long newestPublishedVersion() {
        for (ConsumerRecord<String, byte[]> record : models.readNew()) {
            try {
                newestRead = Math.max(newestRead, Long.parseLong(record.key()));
            } catch (NumberFormatException | NullPointerException e) {
                // not a model version key: not ours to judge here
            }
        }
        return newestRead;
    }

    private Properties producerProperties() {
        Properties props = clients.producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int)
                config.timeout().toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "trainer-models-" + config.transactionalId());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) READ_TIMEOUT.toMillis());
        return props;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                Log.debugf("Closing the model producer: %s", e.getMessage());
            }
            producer = null;
        }
    }

    @PreDestroy
    public synchronized void close() {
        closeProducer();
        models.close();
    }
}
