package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;

class FeatureExtractorTest {

    private static FeatureExtractor extractor(String name, int maxBatch) {
        Architecture architecture = Architecture.of(name);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        return new FeatureExtractor(architecture, graph, maxBatch);
    }

    @Test
    void batchGivesTheSameBottlenecksAsOneByOne() {
        List<byte[]> images = SharedData.flowerPhotos("daisy", 3).stream().map(SharedData::read).toList();
        try (FeatureExtractor extractor = extractor("mobilenet_0.25_128", 4)) {
            List<FeatureExtractor.Features> batch = extractor.extract(images);
            assertThat(batch).hasSize(3);
            for (int i = 0; i < images.size(); i++) {
                FeatureExtractor.Features single = extractor.extract(images.get(i));
                assertThat(batch.get(i).bottleneck()).hasSize(1001)
                        .containsExactly(single.bottleneck(), org.assertj.core.data.Offset.offset(1e-3f));
                assertThat(batch.get(i).pooled()).hasSize(256)
                        .containsExactly(single.pooled(), org.assertj.core.data.Offset.offset(1e-3f));
            }
            assertThat(batch.get(0).bottleneck()).isNotEqualTo(batch.get(1).bottleneck());
        }
    }

    @Test
    void quantizedGraphsRunToo() {
        byte[] image = SharedData.read(SharedData.flowerPhotos("roses", 1).get(0));
        try (FeatureExtractor extractor = extractor("mobilenet_0.50_224_quantized", 2)) {
            float[] vector = extractor.extract(image).bottleneck();
            assertThat(vector).hasSize(1001);
            assertThat(extractor.extract(image).pooled()).hasSize(512);
            float sum = 0;
            for (float v : vector) {
                sum += Math.abs(v);
            }
            assertThat(sum).isGreaterThan(0f);
        }
    }

    @Test
    void reportsTheDevicesItRunsOn() {
        try (FeatureExtractor extractor = extractor("mobilenet_0.25_128", 1)) {
            assertThat(extractor.devices()).isNotEmpty().allMatch(device -> device.matches("(CPU|GPU):\\d+"))
                    .contains("CPU:0");
        }
    }

    @Test
    void undecodableImagesAreRefusedWithAReason() {
        byte[] good = SharedData.read(SharedData.flowerPhotos("tulips", 1).get(0));
        byte[] truncated = java.util.Arrays.copyOf(good, 200);
        try (FeatureExtractor extractor = extractor("mobilenet_0.25_128", 2)) {
            assertThatThrownBy(() -> extractor.extract("hello".getBytes()))
                    .isInstanceOf(ImageDecodeException.class).hasMessageContaining("not a JPEG, PNG, GIF or BMP");
            assertThatThrownBy(() -> extractor.extract(List.of(good, truncated)))
                    .isInstanceOf(ImageDecodeException.class).hasMessageContaining("TensorFlow cannot decode");
            assertThat(extractor.extract(good).bottleneck()).hasSize(1001);
        }
    }
}
