package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class DistortionsTest {

    private static final Architecture ARCHITECTURE = Architecture.of("mobilenet_0.25_128");
    private static final int S = ARCHITECTURE.inputSize();

    private static Path graph() {
        return ModelFiles.locateGraph(ARCHITECTURE, Optional.of(SharedData.models()));
    }

    @Test
    void drawsStayWithinRetrainPyBounds() {
        Distortions distortions = new Distortions(true, 20, 30, 25);
        Random random = new Random(7);
        int flips = 0;
        for (int i = 0; i < 2000; i++) {
            Distortions.Draw draw = distortions.sample(random, S);
            assertThat(draw.precropSize()).isBetween((int) (1.2 * S), (int) (1.2 * 1.3 * S));
            assertThat(draw.offsetY()).isBetween(0, draw.precropSize() - S);
            assertThat(draw.offsetX()).isBetween(0, draw.precropSize() - S);
            assertThat(draw.brightness()).isBetween(0.75f, 1.25f);
            flips += draw.flip() ? 1 : 0;
        }
        assertThat(flips).isBetween(800, 1200);
        assertThat(Distortions.NONE.sample(new Random(1), S)).isEqualTo(Distortions.Draw.identity(S));
        assertThat(Distortions.NONE.any()).isFalse();
        assertThat(new Distortions(false, 0, 0, 1).any()).isTrue();
    }

    @Test
    void refusesBadPercentages() {
        assertThatThrownBy(() -> new Distortions(false, -1, 0, 0)).hasMessageContaining("random_crop");
        assertThatThrownBy(() -> new Distortions(false, 0, -5, 0)).hasMessageContaining("random_scale");
        assertThatThrownBy(() -> new Distortions(false, 0, 0, 101)).hasMessageContaining("random_brightness");
    }

    @Test
    void distortedImagesKeepShapeAndValueRangeAndFlipMirrors() {
        byte[] image = SharedData.read(SharedData.flowerPhotos("sunflowers", 1).get(0));
        try (DistortedFeatureExtractor extractor = new DistortedFeatureExtractor(ARCHITECTURE, graph(), 2)) {
            Distortions extreme = new Distortions(true, 50, 50, 100);
            Random random = new Random(3);
            for (int i = 0; i < 5; i++) {
                float[] pixels = extractor.scaledImage(image, extreme.sample(random, S));
                assertThat(pixels).hasSize(S * S * 3);
                for (float v : pixels) {
                    assertThat(v).isBetween(-1f, 1f);
                }
            }
            Distortions.Draw crop = new Distortions.Draw(S + 40, 13, 27, false, 1.3f);
            float[] plain = extractor.scaledImage(image, crop);
            float[] mirrored = extractor.scaledImage(image, new Distortions.Draw(S + 40, 13, 27, true, 1.3f));
            for (int y = 0; y < S; y += 7) {
                for (int x = 0; x < S; x += 5) {
                    for (int c = 0; c < 3; c++) {
                        assertThat(mirrored[(y * S + x) * 3 + c]).isEqualTo(plain[(y * S + (S - 1 - x)) * 3 + c]);
                    }
                }
            }
            assertThat(plain).isNotEqualTo(extractor.scaledImage(image, Distortions.Draw.identity(S)));
        }
    }

    @Test
    void identityDrawGivesTheUndistortedFeaturesAndRealDrawsDiffer() {
        List<byte[]> images = SharedData.flowerPhotos("daisy", 3).stream()
                .map(SharedData::read)
                .toList();
        try (FeatureExtractor plain = new FeatureExtractor(ARCHITECTURE, graph(), 4);
                DistortedFeatureExtractor distorted = new DistortedFeatureExtractor(ARCHITECTURE, graph(), 4)) {
            List<Features> expected = plain.extract(images);
            List<Distortions.Draw> identity = java.util.Collections.nCopies(3, Distortions.Draw.identity(S));
            List<Features> same = distorted.extract(images, identity);
            Random random = new Random(11);
            Distortions distortions = new Distortions(true, 10, 10, 10);
            List<Features> changed = distorted.extract(
                    images,
                    List.of(
                            distortions.sample(random, S),
                            distortions.sample(random, S),
                            distortions.sample(random, S)));
            for (int i = 0; i < images.size(); i++) {
                assertThat(same.get(i).bottleneck())
                        .hasSize(1001)
                        .containsExactly(expected.get(i).bottleneck(), Offset.offset(1e-3f));
                assertThat(same.get(i).pooled())
                        .hasSize(256)
                        .containsExactly(expected.get(i).pooled(), Offset.offset(1e-3f));
                assertThat(changed.get(i).pooled())
                        .hasSize(256)
                        .isNotEqualTo(expected.get(i).pooled());
            }
            assertThatThrownBy(() ->
                            distorted.extract(images.subList(0, 1), List.of(new Distortions.Draw(S, 1, 0, false, 1f))))
                    .hasMessageContaining("does not fit");
        }
    }
}
