package io.retrainstream.classifier.model;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Every loaded model version a request can address: the served one (in the {@link ModelHolder}) and the heads kept
 * for other versions, least recently used first out once their bytes pass {@code version-heads-max-bytes}. Kept
 * versions run on the served CNN ({@link SharedFeatures}), so each costs only its head. A kept model is closed after
 * its last in-flight call, like a swapped-out one.
 */
@ApplicationScoped
public class ModelVersions {

    private final ModelHolder holder;
    private final long maxBytes;
    /** Versions other than the served one, in access order (least recently used first); each holds one reference. */
    private final LinkedHashMap<Long, ServingModel> kept = new LinkedHashMap<>(16, 0.75f, true);

    private long keptBytes;

    @Inject
    public ModelVersions(ModelHolder holder, ClassifierConfig config, MeterRegistry registry) {
        this(holder, config.classifier().versionHeadsMaxBytes(), registry);
    }

    /** @param maxBytes the most bytes of heads kept besides the served model's */
    public ModelVersions(ModelHolder holder, long maxBytes, MeterRegistry registry) {
        this.holder = holder;
        this.maxBytes = maxBytes;
        registry.gauge(
                "classifier.versions.kept", this, versions -> versions.kept().size());
        registry.gauge("classifier.versions.kept.bytes", this, versions -> versions.keptBytes());
    }

    /**
     * Starts {@code call} on model {@code version} (served or kept), which stays open until the future {@code call}
     * returns completes; empty when that version is not loaded.
     */
    public <T> Optional<CompletableFuture<T>> withVersionAsync(
            long version, Function<ServingModel, CompletableFuture<T>> call) {
        Optional<CompletableFuture<T>> served = holder.withModelAsync(version, call);
        if (served.isPresent()) {
            return served;
        }
        ServingModel model;
        synchronized (this) {
            model = kept.get(version);
            if (model == null || !model.acquire()) {
                return Optional.empty();
            }
        }
        return Optional.of(ServingModel.callReleasing(model, call));
    }

    /** Whether {@code version} is served or kept. */
    public synchronized boolean loaded(long version) {
        return kept.containsKey(version)
                || holder.current().map(m -> m.version() == version).orElse(false);
    }

    /** The versions kept besides the served one, ascending. */
    public synchronized List<Long> kept() {
        return new ArrayList<>(new TreeSet<>(kept.keySet()));
    }

    public synchronized long keptBytes() {
        return keptBytes;
    }

    /**
     * Keeps {@code model} (a model the holder is about to let go of) addressable: takes a reference of its own on it.
     */
    public synchronized void keep(ServingModel model) {
        if (!kept.containsKey(model.version()) && model.acquire()) {
            put(model);
        }
    }

    /** Keeps {@code model}, which the caller loaded and hands over with its reference. */
    public synchronized void adopt(ServingModel model) {
        ServingModel previous = kept.remove(model.version());
        if (previous != null) {
            keptBytes -= previous.headBytes();
            previous.release();
        }
        put(model);
    }

    /** Takes {@code version} out, with its reference, e.g. to serve it again; empty when it is not kept. */
    public synchronized Optional<ServingModel> take(long version) {
        ServingModel model = kept.remove(version);
        if (model != null) {
            keptBytes -= model.headBytes();
        }
        return Optional.ofNullable(model);
    }

    /** Unloads the kept versions that run on another CNN than {@code architecture}, so that no old CNN stays open. */
    public synchronized void retainArchitecture(String architecture) {
        retain(model -> model.model().architecture().equals(architecture));
    }

    /**
     * Unloads the kept versions that run on another CNN than {@code served}, so that no old CNN stays open: those on
     * another architecture, and, when {@code served} runs on a CNN with the mirror copy, those on one without it (the
     * cache replaced it; they load again onto the served CNN when a request names them).
     */
    public synchronized void retainCnnOf(ServingModel served) {
        String architecture = served.model().architecture();
        retain(model -> model.model().architecture().equals(architecture) && (model.mirrors() || !served.mirrors()));
    }

    private void retain(java.util.function.Predicate<ServingModel> keep) {
        for (Iterator<ServingModel> it = kept.values().iterator(); it.hasNext(); ) {
            ServingModel model = it.next();
            if (!keep.test(model)) {
                it.remove();
                keptBytes -= model.headBytes();
                model.release();
            }
        }
    }

    private void put(ServingModel model) {
        kept.put(model.version(), model);
        keptBytes += model.headBytes();
        // The one just put stays even alone over the bound: the request that loaded it is about to use it.
        for (Iterator<Map.Entry<Long, ServingModel>> it = kept.entrySet().iterator();
                keptBytes > maxBytes && kept.size() > 1; ) {
            ServingModel oldest = it.next().getValue();
            it.remove();
            keptBytes -= oldest.headBytes();
            oldest.release();
            Log.infof(
                    "Unloaded the head of model version %d (least recently used): the kept heads passed %d bytes "
                            + "(retrain.classifier.version-heads-max-bytes); it loads again when a request asks for it",
                    oldest.version(), maxBytes);
        }
    }

    @PreDestroy
    synchronized void close() {
        kept.values().forEach(ServingModel::release);
        kept.clear();
        keptBytes = 0;
    }
}
