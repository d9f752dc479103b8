package io.retrainstream.trainer.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.common.SplitRule;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.trainer.config.TrainerConfig;
import io.retrainstream.trainer.data.LabelledBottleneck;
import io.retrainstream.trainer.data.PromotionDecision;
import io.retrainstream.trainer.messaging.ModelPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts candidates through the {@link PromotionGate} and publishes those it lets through as new versions. Counts every
 * decision ({@code trainer_promotions_total{decision}}), keeps the last accuracies compared as gauges, and times how
 * long newly learned training images waited for their first published model ({@code trainer_model_freshness}).
 */
@ApplicationScoped
public class Promoter {

    private final ModelVersions versions;
    private final ModelPublisher publisher;
    private final PromotionGate gate;
    private final MeterRegistry registry;
    private final Timer freshness;
    private final AtomicReference<PromotionDecision> last = new AtomicReference<>();

    public Promoter(ModelVersions versions, ModelPublisher publisher, TrainerConfig config, MeterRegistry registry) {
        this.versions = versions;
        this.publisher = publisher;
        this.gate = new PromotionGate(config.promotionTolerance());
        this.registry = registry;
        this.freshness = Timer.builder("trainer.model.freshness")
                .description("Time from a training image's event to the first published model that learned from it")
                .publishPercentiles(0.5, 0.95)
                .register(registry);
        Gauge.builder("trainer.promotion.candidate.accuracy", last, d -> accuracy(d.get(), true))
                .description("Test accuracy of the last candidate the promotion gate judged")
                .register(registry);
        Gauge.builder("trainer.promotion.serving.accuracy", last, d -> accuracy(d.get(), false))
                .description("Test accuracy of the serving model on the same images")
                .register(registry);
    }

    private static double accuracy(PromotionDecision decision, boolean candidate) {
        Double value = decision == null ? null : candidate ? decision.candidateAccuracy() : decision.servingAccuracy();
        return value == null ? Double.NaN : value;
    }

    /** The model classifiers serve now: continuous runs warm-start from it. */
    public Optional<ModelPublished> serving() {
        return versions.serving();
    }

    /** Epoch ms of the newest training image event a published model learned from: later ones are new. */
    public long learnedThrough() {
        return versions.learnedThrough();
    }

    /** A candidate: everything of the model event but its version. */
    public interface Candidate {
        PromotionGate.Head head();

        ModelPublished withVersion(long version);
    }

    /**
     * Publishes the candidate as the next version unless the gate rejects it.
     *
     * @param images the current images; the gate scores both models on their test split under {@code rule}
     * @return the decision and, when published, the model
     */
    public Outcome promote(Candidate candidate, List<LabelledBottleneck> images, SplitRule rule) {
        PromotionDecision decision = gate.decide(candidate.head(), versions.serving(), images, rule);
        last.set(decision);
        registry.counter("trainer.promotions", "decision", decision.published() ? "published" : "rejected")
                .increment();
        if (!decision.published()) {
            Log.infof("Promotion gate: not publishing the candidate, %s", decision.reason());
            return new Outcome(decision, null, 0);
        }
        return publish(candidate, decision);
    }

    /** Publishes the candidate as the next version without asking the gate. */
    public Outcome publish(Candidate candidate, String reason) {
        PromotionDecision decision = new PromotionDecision(
                true,
                reason,
                null,
                versions.serving().map(ModelPublished::version).orElse(null),
                null,
                0,
                0);
        registry.counter("trainer.promotions", "decision", "forced").increment();
        return publish(candidate, decision);
    }

    private Outcome publish(Candidate candidate, PromotionDecision decision) {
        ModelPublished model = candidate.withVersion(versions.next());
        long start = System.nanoTime();
        publisher.publish(model);
        long publishMillis = (System.nanoTime() - start) / 1_000_000;
        versions.published(model);
        for (long time : model.metrics().newImageTimes()) {
            freshness.record(Math.max(0, model.publishedAt() - time), TimeUnit.MILLISECONDS);
        }
        Log.infof("Promotion gate: publishing version %d, %s", model.version(), decision.reason());
        return new Outcome(decision, model, publishMillis);
    }

    /**
     * @param model         the published model, or null when the gate rejected it
     * @param publishMillis how long publishing the model on Kafka took (0 when nothing was published)
     */
    public record Outcome(PromotionDecision decision, ModelPublished model, long publishMillis) {}
}
