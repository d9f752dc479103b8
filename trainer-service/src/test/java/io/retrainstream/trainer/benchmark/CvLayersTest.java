package io.retrainstream.trainer.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CvLayersTest {

    /**
     * The extra layers come from the right tensors: the generalised mean (p = 3) of the last pointwise convolution
     * is at least its plain mean, which is the pooled vector the extractor computes (up to the few ulps the two
     * preprocessing paths differ by), and not equal to it everywhere; the bottleneck is the 1001 logits. A second
     * call reads the same rows back from the cache.
     */
    @Test
    void generalisedMeanBoundsThePooledVectorAndTheCacheGivesTheSameRows(@TempDir Path cache) {
        String previous = System.setProperty("cv.cache", cache.toString());
        try {
            Architecture architecture = Architecture.of("mobilenet_0.25_128");
            List<Path> photos = new ArrayList<>(SharedData.flowerPhotos("daisy", 2));
            photos.addAll(SharedData.flowerPhotos("roses", 1));
            List<String> ids = photos.stream()
                    .map(p -> p.getParent().getFileName() + "/" + p.getFileName())
                    .toList();
            float[][] pooled = CvViews.ORIGINAL.of(architecture, ids, photos).pooled();
            Map<CvLayers, float[][]> layers = CvLayers.of(
                    architecture, CvViews.ORIGINAL, ids, photos, List.of(CvLayers.BOTTLENECK, CvLayers.GEM));

            int above = 0;
            for (int p = 0; p < photos.size(); p++) {
                float[] gem = layers.get(CvLayers.GEM)[p];
                assertThat(layers.get(CvLayers.BOTTLENECK)[p]).hasSize(1001);
                assertThat(gem).hasSize(architecture.pooledSize());
                for (int d = 0; d < gem.length; d++) {
                    assertThat(gem[d]).isGreaterThanOrEqualTo(pooled[p][d] - 1e-3f);
                    above += gem[d] > pooled[p][d] + 1e-3f ? 1 : 0;
                }
            }
            assertThat(above).isGreaterThan(photos.size() * architecture.pooledSize() / 2);

            Map<CvLayers, float[][]> cached =
                    CvLayers.of(architecture, CvViews.ORIGINAL, ids, photos, List.of(CvLayers.GEM));
            assertThat(cached.get(CvLayers.GEM)).isDeepEqualTo(layers.get(CvLayers.GEM));
        } finally {
            if (previous == null) {
                System.clearProperty("cv.cache");
            } else {
                System.setProperty("cv.cache", previous);
            }
        }
    }
}
