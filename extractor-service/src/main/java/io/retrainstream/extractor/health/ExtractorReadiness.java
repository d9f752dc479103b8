package io.retrainstream.extractor.health;

import io.retrainstream.extractor.model.BottleneckModel;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the CNN is loaded (the Kafka channels report their own readiness). */
@Readiness
@ApplicationScoped
public class ExtractorReadiness implements HealthCheck {

    private final BottleneckModel model;

    public ExtractorReadiness(BottleneckModel model) {
        this.model = model;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("feature-extractor")
                .up()
                .withData("architecture", model.architecture().name())
                .withData("graph", model.graphFile().toString())
                .withData("maxBatch", model.maxBatch())
                .build();
    }
}
