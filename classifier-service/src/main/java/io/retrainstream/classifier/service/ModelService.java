package io.retrainstream.classifier.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.classifier.model.SharedFeatures;
import io.retrainstream.common.Freshness;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.LoggedProgress;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.ServingRule;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SavedModelFeatures;

/**
 * Follows the model pointer: the pinned version, or the newest published one. Loads models: builds and warms the
 * new inference graph off to the side, then swaps it in. A model that cannot be loaded is refused with the reason
 * logged, and the model being served stays.
 */
@ApplicationScoped
public class ModelService {

    private static final int WAITS_KEPT = 100_000;

    private final ModelHolder holder;
    private final ClassifierConfig config;
    private final MeterRegistry registry;
    /** Every model published so far, by version. */
    private final TreeMap<Long, ModelPublished> known = new TreeMap<>();
    /** Versions that could not be loaded here. */
    private final Set<Long> refused = new HashSet<>();
    private final Timer freshnessTimer;
    /** Waits (seconds) of the newly learned images of every model served since start, the latest kept. */
    private final ArrayDeque<Double> waits = new ArrayDeque<>();
    private Freshness servingFreshness = Freshness.NONE;
    /** The CNN the newest loaded model runs on, kept for the next version. */
    private SharedFeatures shared;
    private Long pinned;
    private long newestServed;

    public ModelService(ModelHolder holder, ClassifierConfig config, MeterRegistry registry) {
        this.holder = holder;
        this.config = config;
        this.registry = registry;
        Gauge.builder("classifier.model.version", holder,
                h -> h.current().map(m -> (double) m.model().version()).orElse(0.0))
                .description("Version of the model being served (0: none yet)").register(registry);
        this.freshnessTimer = Timer.builder("classifier.model.freshness")
                .description("Time from a training image's event to the first served model that learned from it")
                .publishPercentiles(0.5, 0.95).distributionStatisticExpiry(Duration.ofHours(1))
                .distributionStatisticBufferLength(2).register(registry);
    }

    /**
     * How long the images first learned by the served model waited from their event to its serving, and the same
     * over every model served since this classifier started (the latest {@value #WAITS_KEPT} images).
     */
    public synchronized Map<String, Freshness> freshness() {
        return Map.of("servingModel", servingFreshness, "sinceStart",
                Freshness.of(waits.stream().mapToDouble(Double::doubleValue).toArray()));
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

    public synchronized Optional<Long> pinned() {
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
     * A model trained on one graph file's bottlenecks is only right on that graph: when its architecture id carries a
     * content hash, the local graph must have it.
     */
    private static void requireSameGraph(ModelPublished model, Path graph) {
        String needed = Architecture.hashOf(model.architecture());
        if (!needed.isEmpty()) {
            String actual = ModelFiles.sha256(graph);
            if (!actual.startsWith(needed)) {
                throw new IllegalArgumentException("it was trained on a graph with SHA-256 " + needed
                        + "..., but " + graph + " has SHA-256 " + actual + ".");
            }
        }
    }

    /**
     * A lease on the CNN loaded from {@code source} for {@code architecture}: the one the served model uses when it is
     * the same, else a new one (built and warmed here, before any swap).
     */
    private ImageFeatures featuresFrom(String source, java.util.function.Supplier<ImageFeatures> load) {
        if (shared == null || !shared.key().equals(source)) {
            SharedFeatures fresh = new SharedFeatures(source, load.get());
            fresh.warmUp();
            if (shared != null) {
                shared.retire();
            }
            shared = fresh;
        }
        return shared.lease();
    }

    /** A model trained on a SavedModel feature-vector module: the same module must be configured here. */
    private ServingModel onSavedModel(ModelPublished model) {
        Path dir = config.savedModel().map(path -> path.toAbsolutePath().normalize()).orElseThrow(
                () -> new IllegalArgumentException("it needs the SavedModel module it was trained on; set "
                        + "retrain.saved-model (RETRAIN_SAVED_MODEL) to that folder."));
        requireSameGraph(model, dir.resolve("saved_model.pb"));
        ImageFeatures features = featuresFrom(model.architecture() + " " + dir,
                () -> new SavedModelFeatures(dir, config.classifier().maxBatch(),
                        new ImageLimits(config.maxImagePixels())));
        if (!features.architecture().name().equals(Architecture.nameOf(model.architecture()))) {
            features.close();
            throw new IllegalArgumentException("it was trained on " + Architecture.nameOf(model.architecture())
                    + " but the configured module is " + features.architecture().name() + ".");
        }
        return new ServingModel(model, features);
    }

    /** Only models learned since the newest served one count: a rollback serves nothing new. */
    private void recordFreshness(ModelPublished model) {
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

    /** Checks what the event format cannot: finite numbers, distinct labels. */
    private static void requireSound(ModelPublished model) {
        if (new HashSet<>(model.labels()).size() != model.labels().size()) {
            throw new IllegalArgumentException("its labels repeat: " + model.labels() + ".");
        }
        for (float[] values : List.of(model.weights(), model.biases())) {
            for (float value : values) {
                if (!Float.isFinite(value)) {
                    throw new IllegalArgumentException("its weights or biases hold " + value + ".");
                }
            }
        }
    }

    private boolean load(ModelPublished model) {
        long start = System.nanoTime();
        ServingModel serving;
        try {
            requireSound(model);
            if (Architecture.nameOf(model.architecture()).startsWith(SavedModelFeatures.NAME_PREFIX)) {
                serving = onSavedModel(model);
            } else {
                Architecture architecture = Architecture.of(model.architecture());
                Path graph = ModelFiles.obtainGraph(architecture, config.modelDir(),
                        config.modelCache().orElseGet(ModelFiles::defaultCacheDir), config.download(),
                        new LoggedProgress(architecture.downloadUrl()));
                requireSameGraph(model, graph);
                ParallelRuns parallel = ParallelRuns.orPerCore(config.classifier().parallelRuns());
                int runBatch = (config.classifier().maxBatch() + parallel.runs() - 1) / parallel.runs();
                ImageFeatures features = featuresFrom(model.architecture() + " " + graph,
                        () -> new FeatureExtractor(architecture, graph, runBatch, parallel,
                                new ImageLimits(config.maxImagePixels())));
                serving = new ServingModel(model, features);
            }
        } catch (RuntimeException e) {
            registry.counter("classifier.models", "outcome", "refused").increment();
            Log.errorf("Refusing model version %d (%s): %s Still serving %s.", model.version(), model.architecture(),
                    e.getMessage(), holder.current().map(m -> "version " + m.model().version()).orElse("nothing"));
            return false;
        }
        serving.warmUp();
        holder.swap(serving);
        recordFreshness(model);
        registry.counter("classifier.models", "outcome", "loaded").increment();
        Log.infof("Serving model version %d (%s, %d classes %s) after %d ms to load and warm up", model.version(),
                model.architecture(), model.labels().size(), model.labels(), (System.nanoTime() - start) / 1_000_000);
        return true;
    }
}
