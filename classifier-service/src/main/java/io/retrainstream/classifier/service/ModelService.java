package io.retrainstream.classifier.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ModelVersions;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.Freshness;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.ServingRule;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Follows the model pointer: serves what {@link ServingRule} names, loading it with the {@link ModelLoader} and
 * swapping it into the {@link ModelHolder}. A model that cannot be loaded is refused with the reason logged, and the
 * model being served stays. Loads happen on the consumers' threads; requests never wait for one.
 */
@ApplicationScoped
public class ModelService {

    private final ModelHolder holder;
    private final ModelVersions versions;
    private final ModelLoader loader;
    private final ServingFreshness freshness;
    private final MeterRegistry registry;
    /** Every model published so far, by version. */
    private final TreeMap<Long, ModelPublished> known = new TreeMap<>();
    /** Versions that could not be loaded here. */
    private final Set<Long> refused = new HashSet<>();

    private volatile Long pinned;

    public ModelService(
            ModelHolder holder,
            ModelVersions versions,
            ModelLoader loader,
            ServingFreshness freshness,
            MeterRegistry registry) {
        this.holder = holder;
        this.versions = versions;
        this.loader = loader;
        this.freshness = freshness;
        this.registry = registry;
        Gauge.builder("classifier.model.version", holder, h -> h.current()
                        .map(m -> (double) m.model().version())
                        .orElse(0.0))
                .description("Version of the model being served (0: none yet)")
                .register(registry);
    }

    /** See {@link ServingFreshness#freshness()}. */
    public Map<String, Freshness> freshness() {
        return freshness.freshness();
    }

    /** Takes note of published models and serves the one the pointer names. */
    public synchronized void offer(List<ModelPublished> models) {
        models.forEach(model -> known.put(model.version(), model));
        reconcile();
    }

    /** Serves {@code version} from now on, or the newest again when it is null. */
    public synchronized void pin(Long version) {
        pinned = version;
        Log.infof(version == null ? "Following the newest model version" : "Pinned to model version %d", version);
        reconcile();
    }

    public Optional<Long> pinned() {
        return Optional.ofNullable(pinned);
    }

    /**
     * Serves what {@link ServingRule} names: the pinned version when it was published, else the newest that loads. A
     * version that fails to load is not tried again; the model being served stays.
     */
    private void reconcile() {
        long serving = holder.current().map(m -> m.model().version()).orElse(0L);
        if (ServingRule.dangling(known.keySet(), pinned)) {
            Log.warnf("Pinned version %d has not been published; serving the newest", pinned);
        }
        for (Long version : ServingRule.candidates(known.keySet(), pinned)) {
            if (version == serving) {
                return;
            }
            if (!refused.contains(version) && load(known.get(version))) {
                return;
            }
            refused.add(version);
        }
    }

    /**
     * The published version {@code version}, loaded (served, kept, or loaded now on the served CNN and kept). Throws
     * {@link UnknownVersionException} naming the versions there are when it was never published, could not be loaded
     * here, or runs on another CNN than the served one (which would cost a second CNN: pin it to serve it).
     */
    public synchronized ModelPublished requireLoaded(long version) {
        ModelPublished model = known.get(version);
        if (model == null || refused.contains(version)) {
            throw unknown("Model version " + version
                    + (model == null ? " has not been published" : " could not be loaded here (see the log)"));
        }
        if (versions.loaded(version)) {
            return model;
        }
        String served = holder.current().map(m -> m.model().architecture()).orElse(null);
        if (!model.architecture().equals(served)) {
            throw unknown("Model version " + version + " runs on " + model.architecture() + ", not on the served "
                    + served + " (pin it with ./retrain rollback " + version + " to serve it)");
        }
        ServingModel loaded;
        try {
            loaded = loader.load(model);
        } catch (RuntimeException e) {
            refused.add(version);
            Log.errorf("Cannot load model version %d for a request: %s", version, e.getMessage());
            throw unknown("Model version " + version + " could not be loaded here: " + e.getMessage());
        }
        versions.adopt(loaded);
        Log.infof("Loaded the head of model version %d for requests that name it", version);
        return model;
    }

    /**
     * The published model a request addresses: {@code version} when given (throws {@link UnknownVersionException} when
     * a request cannot name it), else the served one; empty while none is served. Loads nothing.
     */
    public synchronized Optional<ModelPublished> published(OptionalLong version) {
        Optional<ModelPublished> served = holder.current().map(ServingModel::model);
        if (served.isEmpty() || version.isEmpty()) {
            return served;
        }
        long named = version.getAsLong();
        if (!addressable().contains(named)) {
            ModelPublished model = known.get(named);
            throw unknown("Model version " + named
                    + (model == null
                            ? " has not been published"
                            : refused.contains(named)
                                    ? " could not be loaded here (see the log)"
                                    : " runs on " + model.architecture() + ", not on the served "
                                            + served.get().architecture() + " (pin it with ./retrain rollback " + named
                                            + " to serve it)"));
        }
        return Optional.of(known.get(named));
    }

    /**
     * The versions a request can name: those published that run on the served CNN and did not fail to load, ascending.
     */
    public synchronized List<Long> addressable() {
        String served = holder.current().map(m -> m.model().architecture()).orElse(null);
        return known.values().stream()
                .filter(model -> model.architecture().equals(served) && !refused.contains(model.version()))
                .map(ModelPublished::version)
                .toList();
    }

    private UnknownVersionException unknown(String why) {
        List<Long> there = addressable();
        String serving =
                holder.current().map(m -> " (" + m.version() + " is served)").orElse("");
        return new UnknownVersionException(
                why + "; the versions there are: "
                        + (there.isEmpty()
                                ? "none"
                                : there.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                        + serving,
                there);
    }

    private boolean load(ModelPublished model) {
        long start = System.nanoTime();
        ServingModel serving;
        try {
            serving = versions.take(model.version()).orElseGet(() -> loader.load(model));
        } catch (RuntimeException e) {
            registry.counter("classifier.models", "outcome", "refused").increment();
            Log.errorf(
                    "Refusing model version %d (%s): %s Still serving %s.",
                    model.version(),
                    model.architecture(),
                    e.getMessage(),
                    holder.current().map(m -> "version " + m.model().version()).orElse("nothing"));
            return false;
        }
        holder.current().ifPresent(versions::keep);
        holder.swap(serving);
        versions.retainCnnOf(serving);
        freshness.served(model);
        registry.counter("classifier.models", "outcome", "loaded").increment();
        Log.infof(
                "Serving model version %d (%s, %d classes %s) after %d ms to load and warm up, %d ms after its "
                        + "publication",
                model.version(),
                model.architecture(),
                model.labels().size(),
                model.labels(),
                (System.nanoTime() - start) / 1_000_000,
                System.currentTimeMillis() - model.publishedAt());
        return true;
    }
}
