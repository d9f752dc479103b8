package io.retrainstream.common.quarkus;

import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.kafka.KafkaClients;
import io.retrainstream.common.kafka.TopicSetup;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * In every service: creates the project's topics on start when they are missing, so that compacted topics are
 * compacted and the image topics have their partitions ({@code retrain.topics.*}).
 */
public class TopicInitializer {

    void onStart(@Observes StartupEvent event, KafkaClients clients, TopicLayoutConfig layout) {
        try {
            TopicSetup.ensureTopics(clients, layout.layout());
        } catch (IllegalStateException | IllegalArgumentException e) {
            Logger.getLogger(TopicInitializer.class).warn(e.getMessage());
        }
    }
}
