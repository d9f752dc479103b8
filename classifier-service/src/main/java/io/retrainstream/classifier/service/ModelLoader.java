package io.retrainstream.classifier.service;

import io.quarkus.logging.Log;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.FeatureCache;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.LoggedProgress;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SavedModelFeatures;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

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

    /**
     * A warm model ready to swap in; the caller owns it. A model with the mirror view runs on a CNN built with its
     * mirror copy (the cached one when it has it, which models without the mirror share without running the copy).
     */
    public ServingModel load(ModelPublished model) {
        requireSound(model);
        ServingModel serving;
        if (Architecture.nameOf(model.architecture()).startsWith(SavedModelFeatures.NAME_PREFIX)) {
            serving = onSavedModel(model);
        } else {
            Architecture architecture = Architecture.of(model.architecture());
            Path graph = graph(architecture);
            requireSameGraph(model, graph);
            boolean mirror = View.mirrored(model.viewList());
            ImageFeatures features = cache.lease(
                    model.architecture() + " " + graph, mirror, () -> extractor(architecture, graph, mirror));
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
        return preload(name, View.ORIGINAL_ONLY);
    }

    /**
     * {@link #preload(String)} of a CNN that computes the {@code views} (with its mirror copy when they include
     * {@link View#MIRROR}, so that the first mirrored model is served at once; models without the mirror share it
     * without running the copy).
     */
    public boolean preload(String name, List<View> views) {
        Architecture architecture = Architecture.of(name);
        Path graph = graph(architecture);
        String id = architecture.id(ModelFiles.sha256(graph));
        String key = id + " " + graph;
        boolean mirror = View.mirrored(views);
        if (!cache.preload(key, mirror, () -> extractor(architecture, graph, mirror))) {
            return false;
        }
        // the first model's own warm-up (its first classification) still took 1.3 s: a throwaway head on each layer
        // (and on both views) takes that path once now
        List<Map.Entry<FeatureLayer, List<View>>> warmUps = new ArrayList<>(List.of(
                Map.entry(FeatureLayer.BOTTLENECK, View.ORIGINAL_ONLY),
                Map.entry(FeatureLayer.POOLED, View.ORIGINAL_ONLY)));
        if (mirror) {
            warmUps.add(Map.entry(FeatureLayer.POOLED, views));
        }
        for (Map.Entry<FeatureLayer, List<View>> warmUp : warmUps) {
            int size = architecture.size(warmUp.getKey());
            if (size == 0) {
                continue;
            }
            ModelPublished head = new ModelPublished(
                    0,
                    id,
                    warmUp.getKey().id(),
                    List.of("a", "b"),
                    size,
                    new float[size * 2],
                    new float[2],
                    null,
                    System.currentTimeMillis(),
                    View.ids(warmUp.getValue()));
            warmed(new ServingModel(head, cache.lease(key, mirror, () -> extractor(architecture, graph, mirror))))
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

    private ImageFeatures extractor(Architecture architecture, Path graph, boolean mirror) {
        ParallelRuns parallel = ParallelRuns.orPerCore(config.classifier().parallelRuns());
        int runBatch = (config.classifier().maxBatch() + parallel.runs() - 1) / parallel.runs();
        return new FeatureExtractor(
                architecture,
                graph,
                runBatch,
                parallel,
                new DecodeBudget(new ImageLimits(config.maxImagePixels()), architecture.inputSize()),
                mirror);
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
        if (model.head().mirrored() && !features.mirrors()) {
            // Served rather than refused: the extractor cannot compute a module's mirror either, so the head was
            // trained and gated on the photos alone, which is what it answers here.
            Log.warnf(
                    "Model version %d has the views %s, but a SavedModel module has no mirror copy: it is served on "
                            + "the photo alone. Use a frozen-graph architecture (retrain.architecture) for the mirror "
                            + "view, or set retrain.views=original (RETRAIN_VIEWS) to train without it",
                    model.version(), model.views());
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

    /** Checks what the event format cannot: finite numbers, distinct labels, views only on the pooled layer. */
    private static void requireSound(ModelPublished model) {
        try {
            model.head();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("its head does not fit its views: " + e.getMessage() + ".", e);
        }
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
