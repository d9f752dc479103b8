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
import org.junit.jupiter.api.Test;

class FeatureExtractorTest {

    private static FeatureExtractor extractor(String name, int maxBatch) {
        Architecture architecture = Architecture.of(name);
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        return new FeatureExtractor(architecture, graph, maxBatch);
    }

    @Test
    void batchGivesTheSameBottlenecksAsOneByOne() {
        List<byte[]> images = SharedData.flowerPhotos("daisy", 3).stream()
                .map(SharedData::read)
                .toList();
        try (FeatureExtractor extractor = extractor("mobilenet_0.25_128", 4)) {
            List<Features> batch = extractor.extract(images);
            assertThat(batch).hasSize(3);
            for (int i = 0; i < images.size(); i++) {
                Features single = extractor.extract(images.get(i));
                assertThat(batch.get(i).bottleneck())
                        .hasSize(1001)
                        .containsExactly(single.bottleneck(), org.assertj.core.data.Offset.offset(1e-3f));
                assertThat(batch.get(i).pooled())
                        .hasSize(256)
                        .containsExactly(single.pooled(), org.assertj.core.data.Offset.offset(1e-3f));
            }
            assertThat(batch.get(0).bottleneck()).isNotEqualTo(batch.get(1).bottleneck());
        }
    }

    @Test
    void parallelRunsGiveTheSameFeaturesInOrderAndIsolateNoCallFromAnother() throws Exception {
        List<byte[]> images = SharedData.flowerPhotos("roses", 11).stream()
                .map(SharedData::read)
                .toList();
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        try (FeatureExtractor one = extractor("mobilenet_0.25_128", 4);
                FeatureExtractor parallel = new FeatureExtractor(architecture, graph, 4, new ParallelRuns(2))) {
            List<Features> expected = one.extract(images);
            // Two calls queued at once, the first with a broken image: only it fails, the second is whole.
            byte[] truncated = java.util.Arrays.copyOf(images.get(0), 200);
            var broken = parallel.extractAsync(
                    List.of(images.get(1), truncated, images.get(2), images.get(3), images.get(4), images.get(5)));
            var whole = parallel.extractAsync(images);
            assertThatThrownBy(broken::join).hasCauseInstanceOf(ImageDecodeException.class);
            List<Features> actual = whole.get();
            assertThat(actual).hasSize(images.size());
            for (int i = 0; i < images.size(); i++) {
                assertThat(actual.get(i).bottleneck())
                        .containsExactly(expected.get(i).bottleneck(), org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertThat(parallel.extract(images, io.retrainstream.common.model.FeatureLayer.POOLED)
                            .get(10))
                    .containsExactly(expected.get(10).pooled(), org.assertj.core.data.Offset.offset(1e-4f));
            assertThatThrownBy(() -> parallel.extract(List.of(truncated))).isInstanceOf(ImageDecodeException.class);
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
            assertThat(extractor.devices())
                    .isNotEmpty()
                    .allMatch(device -> device.matches("(CPU|GPU):\\d+"))
                    .contains("CPU:0");
        }
    }

    @Test
    void undecodableImagesAreRefusedWithAReason() {
        byte[] good = SharedData.read(SharedData.flowerPhotos("tulips", 1).get(0));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        byte[] headerCut = java.util.Arrays.copyOf(good, 200);
        try (FeatureExtractor extractor = extractor("mobilenet_0.25_128", 2)) {
            assertThatThrownBy(() -> extractor.extract("hello".getBytes()))
                    .isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining("not a JPEG, PNG, GIF or BMP");
            assertThatThrownBy(() -> extractor.extract(List.of(good, truncated)))
                    .isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining("TensorFlow cannot decode");
            assertThatThrownBy(() -> extractor.extract(headerCut))
                    .isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining("not a readable JPEG: the file ends before its frame header");
            assertThat(extractor.extract(good).bottleneck()).hasSize(1001);
        }
    }

    /** A photo scaled to {@code size x size} pixels and written as PNG, mirrored left to right when asked. */
    static byte[] squarePng(byte[] jpeg, int size, boolean mirrored) {
        try {
            java.awt.image.BufferedImage photo = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(jpeg));
            java.awt.image.BufferedImage square =
                    new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = square.createGraphics();
            g.drawImage(photo, 0, 0, size, size, null);
            g.dispose();
            java.awt.image.BufferedImage out =
                    new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    out.setRGB(x, y, square.getRGB(mirrored ? size - 1 - x : x, y));
                }
            }
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(out, "png", png);
            return png.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theMirrorViewIsThePooledFeaturesOfTheMirroredPhotoAndCostsNothingWhenNotAskedFor() {
        Architecture architecture = Architecture.of("mobilenet_0.25_128");
        Path graph = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        List<byte[]> photos = SharedData.flowerPhotos("tulips", 3).stream()
                .map(SharedData::read)
                .toList();
        // at the CNN's own input size no resize happens, so mirroring the file equals mirroring the scaled image
        List<byte[]> squares =
                photos.stream().map(p -> squarePng(p, 128, false)).toList();
        List<byte[]> mirroredSquares =
                photos.stream().map(p -> squarePng(p, 128, true)).toList();
        try (FeatureExtractor plain = extractor("mobilenet_0.25_128", 4);
                FeatureExtractor views = new FeatureExtractor(
                        architecture,
                        graph,
                        4,
                        new ParallelRuns(2),
                        new DecodeBudget(ImageLimits.DEFAULT, architecture.inputSize()),
                        true)) {
            assertThat(views.mirrors()).isTrue();
            assertThat(plain.mirrors()).isFalse();
            List<Features> withMirror = views.extract(squares);
            List<Features> ofMirrored = plain.extract(mirroredSquares);
            List<Features> alone = plain.extract(squares);
            for (int i = 0; i < squares.size(); i++) {
                assertThat(withMirror.get(i).mirror())
                        .hasSize(256)
                        .containsExactly(ofMirrored.get(i).pooled(), org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(withMirror.get(i).pooled())
                        .containsExactly(alone.get(i).pooled(), org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(withMirror.get(i).bottleneck())
                        .containsExactly(alone.get(i).bottleneck(), org.assertj.core.data.Offset.offset(1e-3f));
                assertThat(alone.get(i).hasMirror()).isFalse();
                assertThat(withMirror.get(i).mirror())
                        .isNotEqualTo(withMirror.get(i).pooled());
            }
            // one layer at a time, and a real photo of any size has a mirror too
            assertThat(views.extract(squares, io.retrainstream.common.model.FeatureLayer.MIRROR)
                            .get(1))
                    .containsExactly(withMirror.get(1).mirror(), org.assertj.core.data.Offset.offset(1e-4f));
            assertThat(views.extract(photos).get(0).mirror()).hasSize(256);
            assertThatThrownBy(() -> plain.extract(squares, io.retrainstream.common.model.FeatureLayer.MIRROR))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without the mirror view");
        }
    }
}
