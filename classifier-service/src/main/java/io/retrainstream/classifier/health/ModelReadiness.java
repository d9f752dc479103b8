package io.retrainstream.classifier.health;

import io.retrainstream.classifier.model.ModelHolder;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once a model is loaded: before that every classify request would get a 503. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final ModelHolder holder;

    public ModelReadiness(ModelHolder holder) {
        this.holder = holder;
    }

    @Override
    public HealthCheckResponse call() {
        return holder.current()
                .map(model -> HealthCheckResponse.named("model")
                        .up()
                        .withData("version", model.model().version())
                        .withData("architecture", model.model().architecture())
                        .build())
                .orElseGet(() -> HealthCheckResponse.named("model")
                        .down()
                        .withData("reason", "no model published yet: train one on the trainer")
                        .build());
    }
}
