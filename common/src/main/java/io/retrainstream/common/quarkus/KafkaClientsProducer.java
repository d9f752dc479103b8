package io.retrainstream.common.quarkus;

import io.retrainstream.common.kafka.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;

/**
 * In every service: the {@link KafkaClients} of the raw clients (topic setup, topic readers), from the same
 * {@code kafka.*} settings (or {@code KAFKA_*} environment variables) the Quarkus Kafka extension hands to the
 * channels, so that both connect and authenticate alike.
 */
@ApplicationScoped
public class KafkaClientsProducer {

    @Produces
    @Singleton
    KafkaClients kafkaClients(Config config) {
        return KafkaClients.fromConfig(config.getPropertyNames(), name -> config.getOptionalValue(name, String.class)
                .orElse(null));
    }
}
