package io.retrainstream.classifier.service;

import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.FeatureCache;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.LoggedProgress;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SavedModelFeatures;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

/**
 * Turns a published model into a warm {@link ServingModel}, off to the side of the one being served: checks it, finds
 * its CNN (or module) in the {@link FeatureCache}, builds the head and warms it. Throws with the reason when the model
 * cannot be served here; whatever it built by then is closed.
 */
@ApplicationScoped
public class ModelLoader {

    private final ClassifierConfig config;
    private final FeatureCache cache;

    public ModelLoader(ClassifierConfig config, FeatureCache cache) {
        this.config = config;
        this.cache = cache;
    }

    /** A warm model ready to swap in; the caller owns it. */
    public ServingModel load(ModelPublished model) {
        requireSound(model);
        ServingModel serving;
        if (Architecture.nameOf(model.architecture()).startsWith(SavedModelFeatures.NAME_PREFIX)) {
            serving = onSavedModel(model);
        } else {
            Architecture architecture = Architecture.of(model.architecture());
            Path graph = graph(architecture);
            requireSameGraph(model, graph);
            ImageFeatures features =
                    cache.lease(model.architecture() + " " + graph, () -> extractor(architecture, graph));
            serving = new ServingModel(model, features);
        }
        return warmed(serving);
    }

    /**
     * Loads and warms the CNN of architecture {@code name} (e.g. {@code mobilenet_0.50_224_quantized}) into the cache
     * while no model has been loaded yet, under the key a model trained on that graph file finds: its first model is
     * then served without waiting seconds for the CNN.
     *
     * @return whether it loaded the CNN (false: a model's CNN was cached already)
     */
    public boolean preload(String name) {
        Architecture architecture = Architecture.of(name);
        Path graph = graph(architecture);
        String id = architecture.id(ModelFiles.sha256(graph));
        String key = id + " " + graph;
        if (!cache.preload(key, () -> extractor(architecture, graph))) {
            return false;
        }
        // the first model's own warm-up (its first classification) still took 1.3 s: a throwaway head on each layer
        // takes that path once now
        for (FeatureLayer layer : List.of(FeatureLayer.BOTTLENECK, FeatureLayer.POOLED)) {
            int size = architecture.size(layer);
            if (size == 0) {
                continue;
            }
            ModelPublished head = new ModelPublished(
                    0,
                    id,
                    layer.id(),
                    List.of("a", "b"),
                    size,
                    new float[size * 2],
                    new float[2],
                    null,
                    System.currentTimeMillis());
            warmed(new ServingModel(head, cache.lease(key, () -> extractor(architecture, graph))))
                    .retire();
        }
        return true;
    }

    private Path graph(Architecture architecture) {
        return ModelFiles.obtainGraph(
                architecture,
                config.modelDir(),
                config.modelCache().orElseGet(ModelFiles::defaultCacheDir),
                config.download(),
                new LoggedProgress(architecture.downloadUrl()));
    }

    private ImageFeatures extractor(Architecture architecture, Path graph) {
        ParallelRuns parallel = ParallelRuns.orPerCore(config.classifier().parallelRuns());
        int runBatch = (config.classifier().maxBatch() + parallel.runs() - 1) / parallel.runs();
        return new FeatureExtractor(architecture, graph, runBatch, parallel, new ImageLimits(config.maxImagePixels()));
    }

    /** Warms {@code serving} up, closing it when that fails. */
    static ServingModel warmed(ServingModel serving) {
        try {
            serving.warmUp();
            return serving;
        } catch (RuntimeException | Error e) {
            serving.retire();
            throw e;
        }
    }

    /** A model trained on a SavedModel feature-vector module: the same module must be configured here. */
    private ServingModel onSavedModel(ModelPublished model) {
        Path dir = config.savedModel()
                .map(path -> path.toAbsolutePath().normalize())
                .orElseThrow(() -> new IllegalArgumentException("it needs the SavedModel module it was trained on; set "
                        + "retrain.saved-model (RETRAIN_SAVED_MODEL) to that folder."));
        requireSameGraph(model, dir.resolve("saved_model.pb"));
        ImageFeatures features = cache.lease(
                model.architecture() + " " + dir,
                () -> new SavedModelFeatures(
                        dir, config.classifier().maxBatch(), new ImageLimits(config.maxImagePixels())));
        if (!features.architecture().name().equals(Architecture.nameOf(model.architecture()))) {
            features.close();
            throw new IllegalArgumentException("it was trained on " + Architecture.nameOf(model.architecture())
                    + " but the configured module is " + features.architecture().name() + ".");
        }
        return new ServingModel(model, features);
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
                throw new IllegalArgumentException("it was trained on a graph with SHA-256 " + needed + "..., but "
                        + graph + " has SHA-256 " + actual + ".");
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
}
