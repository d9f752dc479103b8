package io.retrainstream.extractor.health;

import io.retrainstream.extractor.model.BottleneckModel;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Down, with the reason, when the CNN can no longer run (a runner thread lost), so a supervisor restarts it. */
@Liveness
@ApplicationScoped
public class ExtractorLiveness implements HealthCheck {

    private final BottleneckModel model;

    public ExtractorLiveness(BottleneckModel model) {
        this.model = model;
    }

    @Override
    public HealthCheckResponse call() {
        return model.broken()
                .map(reason -> HealthCheckResponse.named("feature-extractor-runners")
                        .down()
                        .withData("reason", reason)
                        .build())
                .orElseGet(() -> HealthCheckResponse.named("feature-extractor-runners")
                        .up()
                        .build());
    }
}
