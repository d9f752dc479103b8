package io.retrainstream.extractor.model;

import io.quarkus.logging.Log;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.tf.DistortedFeatureExtractor;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.extractor.config.ExtractorConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Owns the distorting copy of the CNN graph ({@link DistortedFeatureExtractor}), built on the first request for
 * distorted bottlenecks so that a service never asked for them pays nothing. Frozen {@code retrain.py} graphs only.
 */
@ApplicationScoped
public class DistortionModel {

    private final BottleneckModel model;
    private final boolean savedModel;
    private final int maxBatch;
    private volatile DistortedFeatureExtractor extractor;

    public DistortionModel(BottleneckModel model, ExtractorConfig config) {
        this.model = model;
        this.savedModel = config.savedModel().isPresent();
        this.maxBatch = config.extractor().maxBatch();
    }

    public int inputSize() {
        return model.architecture().inputSize();
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** The features of each image distorted by its draw; see {@link DistortedFeatureExtractor#extract}. */
    public List<Features> extract(List<byte[]> images, List<Distortions.Draw> draws) {
        return extractor().extract(images, draws);
    }

    private DistortedFeatureExtractor extractor() {
        DistortedFeatureExtractor current = extractor;
        if (current == null) {
            synchronized (this) {
                if (extractor == null) {
                    if (savedModel) {
                        throw new UnsupportedOperationException(
                                "Distortions need a frozen retrain.py graph; this " + "extractor runs the SavedModel "
                                        + model.graphFile().getParent());
                    }
                    long start = System.nanoTime();
                    DistortedFeatureExtractor built = new DistortedFeatureExtractor(
                            model.architecture(),
                            model.graphFile(),
                            maxBatch,
                            model.decodeBudget().orElseThrow());
                    try {
                        built.warmUp();
                    } catch (RuntimeException e) {
                        built.close();
                        throw e;
                    }
                    extractor = built;
                    Log.infof(
                            "Built and warmed up the distorting graph of %s in %d ms",
                            model.architecture().name(), (System.nanoTime() - start) / 1_000_000);
                }
                current = extractor;
            }
        }
        return current;
    }

    @PreDestroy
    synchronized void close() {
        if (extractor != null) {
            extractor.close();
            extractor = null;
        }
    }
}
