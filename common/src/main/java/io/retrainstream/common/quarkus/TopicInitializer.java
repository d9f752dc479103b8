package io.retrainstream.common.quarkus;

import io.quarkus.runtime.StartupEvent;
import io.retrainstream.common.kafka.TopicSetup;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** In every service: creates the project's topics on start when they are missing, so that compacted topics are compacted. */
public class TopicInitializer {

    void onStart(
            @Observes StartupEvent event, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        try {
            TopicSetup.ensureTopics(bootstrapServers);
        } catch (IllegalStateException e) {
            Logger.getLogger(TopicInitializer.class).warn(e.getMessage());
        }
    }
}
