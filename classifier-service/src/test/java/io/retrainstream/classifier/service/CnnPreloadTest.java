package io.retrainstream.classifier.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.model.FeatureCache;
import io.retrainstream.classifier.model.ServingModel;
import io.retrainstream.common.event.ModelMetrics;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.ImageFeatures;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The configured CNN is loaded before the first model arrives, under the key that model finds: the first model's load
 * builds no CNN of its own (it took about 5 s on 2 cores, the largest part of the first model's freshness).
 */
class CnnPreloadTest {

    private static final String ARCHITECTURE = "mobilenet_0.25_128";

    @Test
    void theFirstModelRunsOnThePreloadedCnn() {
        FeatureCache cache = new FeatureCache();
        ModelLoader loader = new ModelLoader(config(), cache);
        try {
            assertThat(loader.preload(ARCHITECTURE)).isTrue();
            // a second preload (or one after a model's CNN was cached) builds nothing
            assertThat(loader.preload(ARCHITECTURE)).isFalse();

            Architecture architecture = Architecture.of(ARCHITECTURE);
            Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
            String id = architecture.id(ModelFiles.sha256(graph));
            // the cached CNN is the one a model trained on this graph file leases: nothing is built for it
            ImageFeatures leased = cache.lease(id + " " + graph, () -> {
                throw new AssertionError("the model's load built a CNN although one was preloaded");
            });
            leased.close();

            ServingModel served = loader.load(model(id, architecture));
            try {
                assertThat(served.classify(SharedData.read(
                                SharedData.flowerPhotos("daisy", 1).get(0))))
                        .hasSize(2);
            } finally {
                served.retire();
            }
        } finally {
            cache.close();
        }
    }

    private static ModelPublished model(String id, Architecture architecture) {
        int size = architecture.size(FeatureLayer.BOTTLENECK);
        return new ModelPublished(
                1,
                id,
                FeatureLayer.BOTTLENECK.id(),
                List.of("daisy", "roses"),
                size,
                new float[size * 2],
                new float[2],
                new ModelMetrics(1, 1, 0.1, 1, 1, 1, 1, 1, 1, 1, "f"),
                System.currentTimeMillis());
    }

    private static ClassifierConfig config() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ClassifierConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValue("retrain.model-dir", SharedData.models().toString())
                .withDefaultValue("retrain.model-cache", "target/model-cache")
                .withDefaultValue("retrain.download", "false")
                .build();
        return config.getConfigMapping(ClassifierConfig.class);
    }
}
