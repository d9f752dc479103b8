package io.retrainstream.classifier.health;

import io.retrainstream.classifier.service.ClassificationService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down, with the reason, when requests can no longer be served (the dispatcher or a CNN runner thread lost), so a
 * supervisor restarts the service instead of leaving it to answer every request with a timeout.
 */
@Liveness
@ApplicationScoped
public class ClassifierLiveness implements HealthCheck {

    private final ClassificationService classification;

    public ClassifierLiveness(ClassificationService classification) {
        this.classification = classification;
    }

    @Override
    public HealthCheckResponse call() {
        return classification
                .broken()
                .map(reason -> HealthCheckResponse.named("classifier-dispatcher")
                        .down()
                        .withData("reason", reason)
                        .build())
                .orElseGet(() ->
                        HealthCheckResponse.named("classifier-dispatcher").up().build());
    }
}
