package io.retrainstream.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code trainer.publisher.*}: how the one publishing trainer writes models to Kafka. */
@ConfigMapping(prefix = "trainer.publisher")
public interface PublisherConfig {

    /** The default {@link #transactionalId()}. */
    String DEFAULT_TRANSACTIONAL_ID = "retrain-trainer";

    /**
     * The Kafka {@code transactional.id} models are published under. A trainer that starts with it fences every
     * earlier producer with it, so only the newest trainer publishes; trainers that should publish independently (to
     * other topics) need their own.
     */
    @WithDefault(DEFAULT_TRANSACTIONAL_ID)
    String transactionalId();

    /** How long publishing one model may take, from the transaction's start to its commit. */
    @WithDefault("2m")
    Duration timeout();
}
