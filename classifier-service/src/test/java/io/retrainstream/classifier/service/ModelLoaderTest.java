package io.retrainstream.classifier.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.classifier.model.CountingFeatures;
import io.retrainstream.classifier.model.ServingModel;
import org.junit.jupiter.api.Test;

/** A model that fails its warm-up is never swapped in, and is closed. */
class ModelLoaderTest {

    @Test
    void aModelThatFailsToWarmUpIsClosed() {
        CountingFeatures features = new CountingFeatures(false, true);
        ServingModel model = new ServingModel(CountingFeatures.model(1), features);
        assertThatThrownBy(() -> ModelLoader.warmed(model)).hasMessageContaining("extraction failed");
        assertThat(features.closes).hasValue(1);
    }

    @Test
    void aWarmModelStaysOpen() {
        CountingFeatures features = new CountingFeatures(false, false);
        ServingModel model = ModelLoader.warmed(new ServingModel(CountingFeatures.model(1), features));
        assertThat(model.classify(new byte[1])).hasSize(2);
        assertThat(features.closes).hasValue(0);
        model.retire();
        assertThat(features.closes).hasValue(1);
    }
}
