package io.retrainstream.classifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.retrainstream.classifier.config.ClassifierConfig;
import io.retrainstream.classifier.service.ModelLoader;
import io.retrainstream.common.event.ModelPublished;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.testing.TestModules;
import io.retrainstream.common.tf.ImageDecodeException;
import io.retrainstream.common.tf.SavedModelFeatures;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Signature;

/** A model trained on a SavedModel feature-vector module is served on that module's features. */
class SavedModelServingTest {

    @Test
    void servesAHeadOnTheModulesFeatures(@TempDir Path dir) throws IOException {
        Path module = TestModules.featureVector(dir.resolve("feature_vector"), Signature.DEFAULT_KEY);
        SavedModelFeatures features = new SavedModelFeatures(module, 4);
        String id = features.architecture().id(ModelFiles.sha256(module.resolve("saved_model.pb")));
        // Feature 0 is the red mean, feature 1 twice the green mean: class "red" weighs the first, "green" the second.
        ModelPublished model = new ModelPublished(
                3, id, null, List.of("green", "red"), 2, new float[] {0, 10, 5, 0}, new float[] {0, 0}, null, 0);
        ServingModel serving = new ServingModel(model, features);
        try {
            serving.warmUp();
            List<float[]> scores = serving.classify(
                    List.of(TestModules.png(new Color(250, 10, 10)), TestModules.png(new Color(10, 250, 10))));
            assertThat(scores.get(0)[1]).isGreaterThan(0.9f);
            assertThat(scores.get(1)[0]).isGreaterThan(0.9f);
            assertThat(scores.get(0)[0] + scores.get(0)[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            assertThatThrownBy(() -> serving.classify("no image".getBytes())).isInstanceOf(ImageDecodeException.class);
        } finally {
            serving.release();
        }
    }

    /**
     * A module has no mirror copy (nor does the extractor compute its mirror, so such a head was gated on the photos
     * alone): a model with the mirror view is served on the photo alone, with a warning, rather than refused.
     */
    @Test
    void aMirroredModelOnAModuleIsServedOnThePhotoAlone(@TempDir Path dir) throws IOException {
        Path module = TestModules.featureVector(dir.resolve("feature_vector"), Signature.DEFAULT_KEY);
        ClassifierConfig config = new SmallRyeConfigBuilder()
                .withMapping(ClassifierConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValue("retrain.saved-model", module.toString())
                .withDefaultValue("retrain.download", "false")
                .build()
                .getConfigMapping(ClassifierConfig.class);
        FeatureCache cache = new FeatureCache();
        try (SavedModelFeatures reference = new SavedModelFeatures(module, 1)) {
            String id = reference.architecture().id(ModelFiles.sha256(module.resolve("saved_model.pb")));
            ModelPublished model = new ModelPublished(
                    3,
                    id,
                    FeatureLayer.POOLED.id(),
                    List.of("green", "red"),
                    2,
                    new float[] {0, 10, 5, 0},
                    new float[] {0, 0},
                    null,
                    0,
                    View.ids(List.of(View.ORIGINAL, View.MIRROR)));
            ServingModel serving = new ModelLoader(config, cache).load(model);
            try {
                assertThat(serving.views()).isEqualTo(View.ORIGINAL_ONLY);
                byte[] red = TestModules.png(new Color(250, 10, 10));
                assertThat(serving.classify(red))
                        .containsExactly(
                                model.head().softmax(reference.extract(red).pooled()),
                                org.assertj.core.data.Offset.offset(1e-5f));
            } finally {
                serving.retire();
            }
        } finally {
            cache.close();
        }
    }

    @Test
    void refusesAModelOfAnotherSize(@TempDir Path dir) throws IOException {
        Path module = TestModules.featureVector(dir.resolve("feature_vector"), Signature.DEFAULT_KEY);
        SavedModelFeatures features = new SavedModelFeatures(module, 1);
        ModelPublished model = new ModelPublished(
                1, features.architecture().name(), null, List.of("a", "b"), 3, new float[6], new float[2], null, 0);
        assertThatThrownBy(() -> new ServingModel(model, features)).hasMessageContaining("takes 3 inputs");
    }
}
