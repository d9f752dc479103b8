package io.retrainstream.trainer.health;

import io.retrainstream.trainer.messaging.ModelPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready once another trainer has fenced this one: its runs can no longer publish a model. Liveness stays UP on
 * purpose, since a restart would take publishing back and fence the other trainer in turn.
 */
@Readiness
@ApplicationScoped
public class PublisherReadiness implements HealthCheck {

    private final ModelPublisher publisher;

    public PublisherReadiness(ModelPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public HealthCheckResponse call() {
        return publisher
                .fencedReason()
                .map(reason -> HealthCheckResponse.named("model-publisher")
                        .down()
                        .withData("reason", reason)
                        .build())
                .orElseGet(
                        () -> HealthCheckResponse.named("model-publisher").up().build());
    }
}
