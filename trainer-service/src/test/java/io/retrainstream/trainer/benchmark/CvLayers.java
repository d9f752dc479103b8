package io.retrainstream.trainer.benchmark;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.ModelFiles;
import io.retrainstream.common.testing.SharedData;
import io.retrainstream.common.tf.Distortions;
import io.retrainstream.common.tf.FeatureGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * Features of a view other than the pooled vector {@link CvViews} caches, for the cross-validation's feature
 * configurations: the {@code retrain.py} bottleneck (the 1001 ImageNet logits), a generalised mean (p = 3) instead of
 * the average over the last pointwise convolution's cells, and the averages of two earlier pointwise convolutions.
 * Computed one photo at a time through the distorted {@link FeatureGraph} with the view's draw (the identity draw
 * for {@link CvViews#ORIGINAL}), and cached beside the view's pooled vectors as {@code <view>.<layer>}.
 */
enum CvLayers {
    /** The CNN's bottleneck: for MobileNet the 1001 ImageNet logits. */
    BOTTLENECK(null),
    /** {@code (mean over cells of x^3)^(1/3)} of the last pointwise convolution (the pooled layer's input). */
    GEM("Conv2d_13_pointwise/Relu6"),
    /** The average over cells of the 12th pointwise convolution (7 x 7 cells at 224). */
    CONV12("Conv2d_12_pointwise/Relu6"),
    /** The average over cells of the 11th pointwise convolution (14 x 14 cells at 224). */
    CONV11("Conv2d_11_pointwise/Relu6");

    private final String node;

    CvLayers(String node) {
        this.node = node;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every layer of {@code view} for {@code photos}: rows in photo order, from the cache or computed. */
    static Map<CvLayers, float[][]> of(
            Architecture architecture, CvViews view, List<String> ids, List<Path> photos, List<CvLayers> layers) {
        Path graphFile = ModelFiles.locateGraph(architecture, Optional.of(SharedData.models()));
        Path folder = CvViews.cacheFolder(architecture, graphFile);
        Map<CvLayers, float[][]> out = new EnumMap<>(CvLayers.class);
        List<CvLayers> missing = new ArrayList<>();
        for (CvLayers layer : layers) {
            CvViews.Computed cached = CvViews.read(view, folder.resolve(view.id() + "." + layer.id()), ids);
            if (cached != null) {
                out.put(layer, cached.pooled());
            } else {
                missing.add(layer);
            }
        }
        if (missing.isEmpty()) {
            return out;
        }
        long start = System.nanoTime();
        Map<CvLayers, float[][]> computed = compute(architecture, graphFile, view, photos, missing);
        double imagesPerSecond = photos.size() / ((System.nanoTime() - start) / 1e9);
        for (var entry : computed.entrySet()) {
            CvViews.write(
                    folder.resolve(view.id() + "." + entry.getKey().id()),
                    ids,
                    new CvViews.Computed(view, entry.getValue(), imagesPerSecond, CvViews.load()));
            out.put(entry.getKey(), entry.getValue());
        }
        return out;
    }

    private static Map<CvLayers, float[][]> compute(
            Architecture architecture, Path graphFile, CvViews view, List<Path> photos, List<CvLayers> layers) {
        Distortions.Draw draw = view.draw(architecture.inputSize());
        Map<CvLayers, float[][]> out = new EnumMap<>(CvLayers.class);
        layers.forEach(layer -> out.put(layer, new float[photos.size()][]));
        try (Graph graph = new Graph()) {
            FeatureGraph features = FeatureGraph.build(graph, architecture, graphFile, 1, true);
            try (Session session = new Session(graph)) {
                for (int p = 0; p < photos.size(); p++) {
                    try (TString image =
                                    TString.tensorOfBytes(NdArrays.scalarOfObject(SharedData.read(photos.get(p))));
                            TInt32 precrop = TInt32.vectorOf(draw.precropSize(), draw.precropSize());
                            TInt32 offset = TInt32.vectorOf(0, draw.offsetY(), draw.offsetX(), 0);
                            TInt32 flip = draw.flip() ? TInt32.vectorOf(2) : TInt32.vectorOf();
                            TFloat32 brightness = TFloat32.scalarOf(draw.brightness())) {
                        Session.Runner runner = session.runner()
                                .feed(FeatureGraph.imageInput(0), image)
                                .feed(FeatureGraph.precropInput(0), precrop)
                                .feed(FeatureGraph.offsetInput(0), offset)
                                .feed(FeatureGraph.flipInput(0), flip)
                                .feed(FeatureGraph.brightnessInput(0), brightness);
                        for (CvLayers layer : layers) {
                            if (layer.node == null) {
                                runner.fetch(features.bottleneck(1));
                            } else {
                                runner.fetch("cnn_1/MobilenetV1/MobilenetV1/" + layer.node);
                            }
                        }
                        try (Result result = runner.run()) {
                            for (int i = 0; i < layers.size(); i++) {
                                out.get(layers.get(i))[p] = layers.get(i).reduce((TFloat32) result.get(i));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The layer's vector from its tensor: the bottleneck as it is, a convolution pooled over its cells. */
    private float[] reduce(TFloat32 tensor) {
        float[] flat = new float[(int) tensor.size()];
        tensor.copyTo(DataBuffers.of(flat, false, false));
        if (node == null) {
            return flat;
        }
        int channels = (int) tensor.shape().size(3);
        int cells = flat.length / channels;
        double[] sum = new double[channels];
        for (int c = 0; c < cells; c++) {
            for (int d = 0; d < channels; d++) {
                double value = flat[c * channels + d];
                sum[d] += this == GEM ? value * value * value : value;
            }
        }
        float[] row = new float[channels];
        for (int d = 0; d < channels; d++) {
            row[d] = (float) (this == GEM ? Math.cbrt(sum[d] / cells) : sum[d] / cells);
        }
        return row;
    }
}
