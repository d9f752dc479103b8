package io.retrainstream.extractor.model;

import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.LoggedProgress;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.tf.DecodeBudget;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import io.retrainstream.common.tf.ImageLimits;
import io.retrainstream.common.tf.ParallelRuns;
import io.retrainstream.common.tf.SavedModelFeatures;
import io.retrainstream.extractor.config.ExtractorConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.tensorflow.TensorFlow;

/** Owns the pretrained CNN: encoded images in, bottleneck vectors out. Built once at start, then only run. */
@Startup
@ApplicationScoped
public class BottleneckModel {

    private final ImageFeatures extractor;
    private final Path graphFile;
    private final String architectureId;
    private final ImageLimits limits;

    public BottleneckModel(ExtractorConfig config) {
        long start = System.nanoTime();
        int runs = 1;
        limits = new ImageLimits(config.maxImagePixels());
        boolean mirror = View.mirrored(View.parse(config.views()));
        if (config.savedModel().isPresent()) {
            if (mirror) {
                throw new IllegalArgumentException("retrain.views=" + config.views() + ": a SavedModel module has no "
                        + "mirror view; set RETRAIN_VIEWS=original with RETRAIN_SAVED_MODEL");
            }
            Path dir = config.savedModel().get().toAbsolutePath().normalize();
            graphFile = dir.resolve("saved_model.pb");
            extractor = new SavedModelFeatures(dir, config.extractor().maxBatch(), limits);
        } else {
            Architecture architecture = Architecture.of(config.architecture());
            graphFile = ModelFiles.obtainGraph(
                    architecture,
                    config.modelDir(),
                    config.modelCache().orElseGet(ModelFiles::defaultCacheDir),
                    config.download(),
                    new LoggedProgress(architecture.downloadUrl()));
            ParallelRuns parallel = ParallelRuns.orPerCore(config.extractor().parallelRuns());
            runs = parallel.runs();
            extractor = new FeatureExtractor(
                    architecture,
                    graphFile,
                    config.extractor().maxBatch(),
                    parallel,
                    new DecodeBudget(limits, architecture.inputSize()),
                    mirror);
        }
        try {
            architectureId = extractor.architecture().id(ModelFiles.sha256(graphFile));
            extractor.warmUp();
        } catch (RuntimeException e) {
            extractor.close();
            throw e;
        }
        Log.infof("TensorFlow %s runs the CNN on %s", TensorFlow.version(), extractor.devices());
        Log.infof(
                "Loaded and warmed up %s (id %s) from %s in %d ms (batches of up to %d images per run, %s; views: %s)",
                extractor.architecture().name(),
                architectureId,
                graphFile,
                (System.nanoTime() - start) / 1_000_000,
                extractor.maxBatch(),
                runs == 1 ? "one run at a time" : runs + " runs at once",
                extractor.mirrors() ? "the photo and its mirror, two CNN images each" : "the photo alone");
    }

    /** Whether each image's features hold its mirror's as well ({@code retrain.views=original,mirror}). */
    public boolean mirrors() {
        return extractor.mirrors();
    }

    public Architecture architecture() {
        return extractor.architecture();
    }

    /** The id bottleneck events carry: the name and the graph file's content hash. */
    public String architectureId() {
        return architectureId;
    }

    /** The pixel budget images must fit before they are decoded. */
    public ImageLimits limits() {
        return limits;
    }

    /**
     * The decode memory budget of the CNN's runs, which the distorting copy shares, so the extractor holds at most
     * one budget of decode memory at a time; a SavedModel module has its own.
     */
    public java.util.Optional<io.retrainstream.common.tf.DecodeBudget> decodeBudget() {
        return extractor instanceof FeatureExtractor frozen
                ? java.util.Optional.of(frozen.decodeBudget())
                : java.util.Optional.empty();
    }

    /** Why the CNN can no longer run (a runner thread lost), for liveness; empty while it can. */
    public java.util.Optional<String> broken() {
        return extractor.broken();
    }

    public Path graphFile() {
        return graphFile;
    }

    public int maxBatch() {
        return extractor.maxBatch();
    }

    /** Features of the images, in order; throws {@code ImageDecodeException} if any cannot be decoded. */
    public List<Features> extract(List<byte[]> images) {
        return extractor.extract(images);
    }

    /**
     * {@link #extract} as a future: with parallel runs the batches queue behind earlier ones and this returns at
     * once; it fails with {@code ImageDecodeException} if any image cannot be decoded.
     */
    public CompletableFuture<List<Features>> extractAsync(List<byte[]> images) {
        return extractor.extractAsync(images);
    }

    @PreDestroy
    void close() {
        extractor.close();
    }
}
