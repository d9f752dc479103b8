package io.retrainstream.common.tf;

import io.retrainstream.common.model.Architecture;
import io.retrainstream.common.model.Features;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Owns a distorted {@link FeatureGraph} and its session: encoded images and one {@link Distortions.Draw} each in,
 * the features of the distorted images out, in batches of up to {@code maxBatch} per {@code Session.run}.
 * Thread-safe (runs from several threads go in parallel); close it once.
 */
public final class DistortedFeatureExtractor implements AutoCloseable {

    private final Graph graph;
    private final Session session;
    private final FeatureGraph features;
    private final DecodeBudget budget;

    public DistortedFeatureExtractor(Architecture architecture, Path graphFile, int maxBatch) {
        this(architecture, graphFile, maxBatch, ImageLimits.DEFAULT);
    }

    /** Images over {@code limits} are refused before any decode. */
    public DistortedFeatureExtractor(Architecture architecture, Path graphFile, int maxBatch, ImageLimits limits) {
        this(architecture, graphFile, maxBatch, new DecodeBudget(limits, architecture.inputSize()));
    }

    /** Decoding within {@code budget}, shared with the process's other extractor of the same CNN. */
    public DistortedFeatureExtractor(Architecture architecture, Path graphFile, int maxBatch, DecodeBudget budget) {
        this.budget = budget;
        graph = new Graph();
        try {
            features = FeatureGraph.build(graph, architecture, graphFile, maxBatch, true);
            session = new Session(graph);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** Runs every batch size once, so that no real batch pays for TensorFlow's first-run graph optimisation. */
    public void warmUp() {
        Distortions.Draw draw = Distortions.Draw.identity(architecture().inputSize());
        for (int batch : features.batchSizes()) {
            runBatch(
                    java.util.Collections.nCopies(batch, WarmUpImage.png()),
                    java.util.Collections.nCopies(batch, draw));
        }
    }

    public Architecture architecture() {
        return features.architecture();
    }

    public int maxBatch() {
        return features.maxBatch();
    }

    /**
     * The features of each image distorted by its draw, in order. Throws {@link ImageDecodeException} when any image
     * cannot be decoded.
     */
    public List<Features> extract(List<byte[]> images, List<Distortions.Draw> draws) {
        if (images.size() != draws.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + draws.size() + " distortions");
        }
        List<Features> out = new ArrayList<>(images.size());
        int start = 0;
        for (int run : features.runs(images.size())) {
            out.addAll(runBatch(images.subList(start, start + run), draws.subList(start, start + run)));
            start += run;
        }
        return out;
    }

    /** The distorted and scaled image {@code [S * S * 3]} the CNN sees, for tests. */
    float[] scaledImage(byte[] image, Distortions.Draw draw) {
        budget.check(List.of(image));
        try (ImageFeed feed = new ImageFeed(List.of(image), 1);
                DrawFeed draws = new DrawFeed(List.of(draw), 1);
                Result result = draws.feed(feed.feed(session.runner()))
                        .fetch("preprocess_0/scaled")
                        .run()) {
            TFloat32 values = (TFloat32) result.get(0);
            float[] flat = new float[(int) values.size()];
            values.copyTo(DataBuffers.of(flat, false, false));
            return flat;
        }
    }

    /** One run, holding its images' decode memory from the budget; any failure fails only this run. */
    private List<Features> runBatch(List<byte[]> images, List<Distortions.Draw> draws) {
        return budget.runContained(images, () -> runChecked(images, draws));
    }

    private List<Features> runChecked(List<byte[]> images, List<Distortions.Draw> draws) {
        int size = architecture().inputSize();
        for (Distortions.Draw draw : draws) {
            if (draw.precropSize() < size
                    || draw.offsetY() < 0
                    || draw.offsetX() < 0
                    || draw.offsetY() > draw.precropSize() - size
                    || draw.offsetX() > draw.precropSize() - size) {
                throw new IllegalArgumentException("The crop " + draw + " does not fit an input of " + size);
            }
        }
        int batch = features.batchFor(images.size());
        try (ImageFeed feed = new ImageFeed(images, batch);
                DrawFeed drawFeed = new DrawFeed(draws, batch);
                Result result = drawFeed.feed(feed.feed(session.runner()))
                        .fetch(features.bottleneck(batch))
                        .fetch(features.pooled(batch))
                        .run()) {
            float[][] bottlenecks = FeatureExtractor.rows(
                    (TFloat32) result.get(0), images.size(), architecture().bottleneckSize());
            float[][] pooled = FeatureExtractor.rows(
                    (TFloat32) result.get(1), images.size(), architecture().pooledSize());
            List<Features> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                out.add(new Features(bottlenecks[i], pooled[i]));
            }
            return out;
        } catch (TFInvalidArgumentException e) {
            throw ImageDecodeException.fromTensorFlow(e);
        }
    }

    /** The distortion inputs of a batch, padded like {@link ImageFeed} by repeating the first draw. */
    private static final class DrawFeed implements AutoCloseable {
        private final List<org.tensorflow.Tensor> tensors = new ArrayList<>();
        private final List<String> names = new ArrayList<>();

        DrawFeed(List<Distortions.Draw> draws, int batch) {
            try {
                for (int i = 0; i < batch; i++) {
                    Distortions.Draw draw = draws.get(i < draws.size() ? i : 0);
                    add(FeatureGraph.precropInput(i), TInt32.vectorOf(draw.precropSize(), draw.precropSize()));
                    add(FeatureGraph.offsetInput(i), TInt32.vectorOf(0, draw.offsetY(), draw.offsetX(), 0));
                    add(FeatureGraph.flipInput(i), draw.flip() ? TInt32.vectorOf(2) : TInt32.vectorOf());
                    add(FeatureGraph.brightnessInput(i), TFloat32.scalarOf(draw.brightness()));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private void add(String name, org.tensorflow.Tensor tensor) {
            names.add(name);
            tensors.add(tensor);
        }

        Session.Runner feed(Session.Runner runner) {
            for (int i = 0; i < tensors.size(); i++) {
                runner.feed(names.get(i), tensors.get(i));
            }
            return runner;
        }

        @Override
        public void close() {
            tensors.forEach(org.tensorflow.Tensor::close);
            tensors.clear();
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
