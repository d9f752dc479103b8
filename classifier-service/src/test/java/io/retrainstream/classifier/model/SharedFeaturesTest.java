package io.retrainstream.classifier.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.FeatureExtractor;
import io.retrainstream.common.tf.ImageFeatures;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Model versions share one CNN: it stays open while any lease does, and closes after the last. */
class SharedFeaturesTest {

    @Test
    void theCnnClosesAfterItIsRetiredAndItsLastLeaseIsClosed() {
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        FeatureExtractor cnn = new FeatureExtractor(
                architecture, ModelFiles.locateGraph(architecture, Optional.of(SharedData.models())), 1);
        byte[] image = SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0));
        SharedFeatures shared = new SharedFeatures("k", cnn);
        ImageFeatures older = shared.lease();
        ImageFeatures newer = shared.lease();
        shared.retire();
        older.close();
        older.close();
        assertThat(newer.extract(image).bottleneck()).hasSize(1001);
        newer.close();
        assertThatThrownBy(() -> cnn.extract(image)).isInstanceOf(RuntimeException.class);
    }
}
