package io.retrainstream.classifier.service;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.ModelHolder;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.LoggedProgress;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.tf.WarmUpImage;

/**
 * Loads published models: builds and warms the new inference graph off to the side, then swaps it in. A model that
 * cannot be loaded is refused with the reason logged, and the model being served stays.
 */
@ApplicationScoped
public class ModelService {

    private final ModelHolder holder;
    private final ClassifierConfig config;
    private final MeterRegistry registry;

    public ModelService(ModelHolder holder, ClassifierConfig config, MeterRegistry registry) {
        this.holder = holder;
        this.config = config;
        this.registry = registry;
        Gauge.builder("classifier.model.version", holder,
                h -> h.current().map(m -> (double) m.model().version()).orElse(0.0))
                .description("Version of the model being served (0: none yet)").register(registry);
    }

    /** Serves the newest of {@code models} that is newer than the current one and loads; older ones are skipped. */
    public void offer(List<ModelPublished> models) {
        List<ModelPublished> newestFirst = models.stream()
                .sorted(Comparator.comparingLong(ModelPublished::version).reversed()).toList();
        for (ModelPublished model : newestFirst) {
            long serving = holder.current().map(m -> m.model().version()).orElse(0L);
            if (model.version() <= serving) {
                return;
            }
            if (load(model)) {
                return;
            }
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

    private boolean load(ModelPublished model) {
        long start = System.nanoTime();
        ServingModel serving;
        try {
            Architecture architecture = Architecture.of(model.architecture());
            Path graph = ModelFiles.obtainGraph(architecture, config.modelDir(),
                    config.modelCache().orElseGet(ModelFiles::defaultCacheDir), config.download(),
                    new LoggedProgress(architecture.downloadUrl()));
            requireSameGraph(model, graph);
            serving = new ServingModel(model, graph);
        } catch (RuntimeException e) {
            registry.counter("classifier.models", "outcome", "refused").increment();
            Log.errorf("Refusing model version %d (%s): %s Still serving %s.", model.version(), model.architecture(),
                    e.getMessage(), holder.current().map(m -> "version " + m.model().version()).orElse("nothing"));
            return false;
        }
        serving.classify(WarmUpImage.png());
        holder.swap(serving);
        registry.counter("classifier.models", "outcome", "loaded").increment();
        Log.infof("Serving model version %d (%s, %d classes %s) after %d ms to load and warm up", model.version(),
                model.architecture(), model.labels().size(), model.labels(), (System.nanoTime() - start) / 1_000_000);
        return true;
    }
}
