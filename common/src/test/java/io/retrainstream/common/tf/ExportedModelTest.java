package io.retrainstream.common.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.FeatureLayer;
import io.retrainstream.common.model.Features;
import io.retrainstream.common.model.Head;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.model.View;
import io.retrainstream.common.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

class ExportedModelTest {

    private static final Architecture ARCHITECTURE = Architecture.of("mobilenet_0.25_128");
    private static final List<String> LABELS = List.of("daisy", "roses", "tulips");

    @TempDir
    Path dir;

    private static float[] random(int count, long seed, float scale) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    /** softmax(features . weights + biases), computed here from the extractor's features. */
    private static float[] expected(float[] features, float[] weights, float[] biases) {
        int classes = biases.length;
        double[] logits = new double[classes];
        for (int c = 0; c < classes; c++) {
            logits[c] = biases[c];
            for (int d = 0; d < features.length; d++) {
                logits[c] += features[d] * weights[d * classes + c];
            }
        }
        double max = java.util.Arrays.stream(logits).max().orElseThrow();
        double sum = java.util.Arrays.stream(logits).map(l -> Math.exp(l - max)).sum();
        float[] scores = new float[classes];
        for (int c = 0; c < classes; c++) {
            scores[c] = (float) (Math.exp(logits[c] - max) / sum);
        }
        return scores;
    }

    @Test
    void frozenGraphAndSavedModelClassifyLikeTheFeatureGraphPlusHead() throws Exception {
        Path cnn = ModelFiles.locateGraph(ARCHITECTURE, Optional.of(SharedData.models()));
        int size = ARCHITECTURE.pooledSize();
        float[] weights = random(size * LABELS.size(), 1, 0.3f);
        float[] biases = random(LABELS.size(), 2, 0.1f);
        ExportedModel model =
                new ExportedModel(ARCHITECTURE, cnn, FeatureLayer.POOLED, LABELS, weights, biases, "final_result");
        Path frozen = dir.resolve("out/output_graph.pb");
        Path labels = dir.resolve("out/output_labels.txt");
        Path saved = dir.resolve("saved/1");
        model.writeFrozenGraph(frozen);
        model.writeLabels(labels);
        model.writeSavedModel(saved);
        assertThat(Files.readAllLines(labels)).containsExactlyElementsOf(LABELS);

        List<byte[]> images = List.of(
                SharedData.read(SharedData.flowerPhotos("daisy", 1).get(0)),
                SharedData.read(SharedData.flowerPhotos("roses", 1).get(0)));
        try (FeatureExtractor extractor = new FeatureExtractor(ARCHITECTURE, cnn, 1);
                SavedModelBundle bundle = SavedModelBundle.load(saved.toString(), ExportedModel.SERVE_TAG)) {
            for (byte[] image : images) {
                float[] want = expected(extractor.extract(image).pooled(), weights, biases);
                float[] frozenScores = ExportedModel.classifyWithFrozenGraph(frozen, image, "final_result");
                assertThat(frozenScores).containsExactly(want, offset(1e-4f));

                try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(image));
                        Result result = bundle.function(Signature.DEFAULT_KEY)
                                .call(Map.of(ExportedModel.SIGNATURE_IMAGE, input))) {
                    TFloat32 scores = (TFloat32)
                            result.get(ExportedModel.SIGNATURE_SCORES).orElseThrow();
                    TString names =
                            (TString) result.get(ExportedModel.SIGNATURE_LABELS).orElseThrow();
                    for (int c = 0; c < LABELS.size(); c++) {
                        assertThat(scores.getFloat(0, c)).isCloseTo(want[c], offset(1e-4f));
                        assertThat(names.getObject(c)).isEqualTo(LABELS.get(c));
                    }
                }
            }
        }
    }

    /**
     * A head with the mirror view is exported as the classifier serves it: the frozen graph and the SavedModel answer
     * {@link Head#softmax(io.retrainstream.common.model.Features)} of the extractor's features with the mirror, the
     * mean over the photo and its mirror, which is not the photo's own softmax.
     */
    @Test
    void aMirroredHeadIsExportedAsTheMeanOverThePhotoAndItsMirror() throws Exception {
        Path cnn = ModelFiles.locateGraph(ARCHITECTURE, Optional.of(SharedData.models()));
        int size = ARCHITECTURE.pooledSize();
        Head head = new Head(
                LABELS,
                FeatureLayer.POOLED,
                random(size * LABELS.size(), 5, 0.3f),
                random(LABELS.size(), 6, 0.1f),
                List.of(View.ORIGINAL, View.MIRROR));
        ExportedModel model = new ExportedModel(ARCHITECTURE, cnn, head, "final_result");
        Path frozen = dir.resolve("mirror/output_graph.pb");
        Path saved = dir.resolve("mirror/saved/1");
        model.writeFrozenGraph(frozen);
        model.writeSavedModel(saved);

        List<byte[]> images = new ArrayList<>();
        for (String label : LABELS) {
            SharedData.flowerPhotos(label, 2).forEach(path -> images.add(SharedData.read(path)));
        }
        try (FeatureExtractor extractor = new FeatureExtractor(
                        ARCHITECTURE,
                        cnn,
                        1,
                        ParallelRuns.ONE,
                        new DecodeBudget(ImageLimits.DEFAULT, ARCHITECTURE.inputSize()),
                        true);
                SavedModelBundle bundle = SavedModelBundle.load(saved.toString(), ExportedModel.SERVE_TAG)) {
            assertThat(extractor.mirrors()).isTrue();
            float largestViewGap = 0;
            for (byte[] image : images) {
                Features features = extractor.extract(image);
                float[] want = head.softmax(features);
                float[] photoAlone = head.softmax(features.pooled());
                for (int c = 0; c < want.length; c++) {
                    largestViewGap = Math.max(largestViewGap, Math.abs(want[c] - photoAlone[c]));
                }
                assertThat(ExportedModel.classifyWithFrozenGraph(frozen, image, "final_result"))
                        .containsExactly(want, offset(1e-4f));
                try (TString input = TString.tensorOfBytes(NdArrays.scalarOfObject(image));
                        Result result = bundle.function(Signature.DEFAULT_KEY)
                                .call(Map.of(ExportedModel.SIGNATURE_IMAGE, input))) {
                    TFloat32 scores = (TFloat32)
                            result.get(ExportedModel.SIGNATURE_SCORES).orElseThrow();
                    assertThat(scores.shape().asArray()).containsExactly(1, LABELS.size());
                    for (int c = 0; c < LABELS.size(); c++) {
                        assertThat(scores.getFloat(0, c)).isCloseTo(want[c], offset(1e-4f));
                    }
                }
            }
            assertThat(largestViewGap)
                    .as("the mirror changes the answer, so the test tells the mean from the photo alone")
                    .isGreaterThan(1e-2f);
        }
    }

    @Test
    void frozenGraphTakesTheResizedFloatInputToo() throws Exception {
        Path cnn = ModelFiles.locateGraph(ARCHITECTURE, Optional.of(SharedData.models()));
        float[] weights = random(ARCHITECTURE.pooledSize() * 3, 3, 0.3f);
        float[] biases = random(3, 4, 0.1f);
        Path frozen = dir.resolve("output_graph.pb");
        new ExportedModel(ARCHITECTURE, cnn, FeatureLayer.POOLED, LABELS, weights, biases, "final_result")
                .writeFrozenGraph(frozen);
        byte[] image = SharedData.read(SharedData.flowerPhotos("tulips", 1).get(0));
        try (Graph graph = new Graph()) {
            graph.importGraphDef(GraphDefs.read(frozen));
            try (Session session = new Session(graph);
                    TString encoded = TString.tensorOfBytes(NdArrays.scalarOfObject(image));
                    Result resized = session.runner()
                            .feed(ExportedModel.ENCODED_INPUT, encoded)
                            .fetch(ExportedModel.RESIZED_INPUT)
                            .fetch("final_result")
                            .run()) {
                Tensor floats = resized.get(0);
                assertThat(floats.shape().asArray()).containsExactly(1, 128, 128, 3);
                try (Result fromFloats = session.runner()
                        .feed(ExportedModel.RESIZED_INPUT, floats)
                        .fetch("final_result")
                        .run()) {
                    TFloat32 a = (TFloat32) resized.get(1);
                    TFloat32 b = (TFloat32) fromFloats.get(0);
                    for (int c = 0; c < 3; c++) {
                        assertThat(b.getFloat(0, c)).isCloseTo(a.getFloat(0, c), offset(1e-5f));
                    }
                }
            }
        }
    }
}
