package io.retrainstream.common.quarkus;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Liveness and readiness DOWN, with the reason, once {@link FatalFailures} has one: the service cannot work. */
@Liveness
@Readiness
@ApplicationScoped
public class FatalFailureHealth implements HealthCheck {

    private static final String NAME = "fatal-failures";

    private final FatalFailures failures;

    public FatalFailureHealth(FatalFailures failures) {
        this.failures = failures;
    }

    @Override
    public HealthCheckResponse call() {
        return failures.fatal()
                .map(reason -> HealthCheckResponse.named(NAME)
                        .down()
                        .withData("reason", reason)
                        .build())
                .orElseGet(() -> HealthCheckResponse.named(NAME).up().build());
    }
}
