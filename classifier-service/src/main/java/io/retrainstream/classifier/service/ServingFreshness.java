package io.retrainstream.classifier.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.retrainstream.common.Freshness;
import io.retrainstream.common.event.ModelPublished;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long training images waited from their event to the first served model that learned from them: for the model
 * being served and over every model served since this classifier started. Its lock is held only to record or read,
 * never while a model loads.
 */
@ApplicationScoped
public class ServingFreshness {

    private static final int WAITS_KEPT = 100_000;

    private final Timer freshnessTimer;
    /** Waits (seconds) of the newly learned images of every model served since start, the latest kept. */
    private final ArrayDeque<Double> waits = new ArrayDeque<>();

    private Freshness servingFreshness = Freshness.NONE;
    private long newestServed;

    public ServingFreshness(MeterRegistry registry) {
        this.freshnessTimer = Timer.builder("classifier.model.freshness")
                .description("Time from a training image's event to the first served model that learned from it")
                .publishPercentiles(0.5, 0.95)
                .distributionStatisticExpiry(Duration.ofHours(1))
                .distributionStatisticBufferLength(2)
                .register(registry);
    }

    /**
     * How long the images first learned by the served model waited from their event to its serving, and the same
     * over every model served since this classifier started (the latest {@value #WAITS_KEPT} images).
     */
    public synchronized Map<String, Freshness> freshness() {
        return Map.of(
                "servingModel",
                servingFreshness,
                "sinceStart",
                Freshness.of(waits.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /**
     * Records {@code model} as served from now on; only a model newer than every one served before counts (a rollback
     * serves nothing new).
     */
    public synchronized void served(ModelPublished model) {
        long[] times = model.metrics() == null ? new long[0] : model.metrics().newImageTimes();
        if (model.version() <= newestServed) {
            servingFreshness = Freshness.NONE;
            return;
        }
        newestServed = model.version();
        long now = System.currentTimeMillis();
        servingFreshness = Freshness.of(times, now);
        for (long time : times) {
            long wait = Math.max(0, now - time);
            freshnessTimer.record(wait, TimeUnit.MILLISECONDS);
            waits.addLast(wait / 1000.0);
            if (waits.size() > WAITS_KEPT) {
                waits.removeFirst();
            }
        }
    }
}
