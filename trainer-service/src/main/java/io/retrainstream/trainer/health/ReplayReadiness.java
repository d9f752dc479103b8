package io.retrainstream.trainer.health;

import io.retrainstream.trainer.messaging.ReplayProgress;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until the trainer has read back the bottlenecks that were on the topic when it started (its sets are
 * partial until then), with how far it has come. Liveness stays UP: a restart would only start the replay over.
 */
@Readiness
@ApplicationScoped
public class ReplayReadiness implements HealthCheck {

    private static final String NAME = "bottlenecks-replay";

    private final ReplayProgress replay;

    public ReplayReadiness(ReplayProgress replay) {
        this.replay = replay;
    }

    @Override
    public HealthCheckResponse call() {
        ReplayProgress.Progress progress;
        try {
            progress = replay.progress();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named(NAME)
                    .down()
                    .withData("reason", String.valueOf(e.getMessage()))
                    .build();
        }
        return HealthCheckResponse.named(NAME)
                .status(progress.done())
                .withData("read", progress.read())
                .withData("of", progress.total())
                .build();
    }
}
